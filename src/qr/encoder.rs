//! A QR encoder for payment links (ISO/IEC 18004, byte mode), ours rather than a
//! crate's because the page pays for every kilobyte and every microsecond:
//! the tables are a few hundred bytes, and the eight masks are scored on
//! bit-packed rows (a row is at most 177 modules: three `u64` words), so the
//! penalty rules are a handful of word operations per row instead of a pass per
//! module per rule.

use alloc::vec;
use alloc::vec::Vec;

/// Error correction level, in the order of the spec's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ecc {
    L = 0,
    M = 1,
    Q = 2,
    H = 3,
}

impl Ecc {
    /// The two bits the format information carries.
    fn format_bits(self) -> u32 {
        match self {
            Ecc::L => 1,
            Ecc::M => 0,
            Ecc::Q => 3,
            Ecc::H => 2,
        }
    }
}

/// Error-correction codewords per block, by level then version (index 0 unused).
const ECC_PER_BLOCK: [[u8; 41]; 4] = [
    [
        0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28,
        30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28,
        28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ],
    [
        0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30,
        30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24,
        30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
];

/// Number of error-correction blocks, by level then version.
const BLOCKS: [[u8; 41]; 4] = [
    [
        0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13,
        14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
    ],
    [
        0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21,
        23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ],
    [
        0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29,
        34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
    ],
    [
        0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32,
        35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
    ],
];

/// All codewords (data + error correction) of a version: the modules left after
/// the function patterns, in bytes.
fn raw_codewords(version: usize) -> usize {
    let v = version;
    let mut bits = (16 * v + 128) * v + 64;
    if v >= 2 {
        let align = v / 7 + 2;
        bits -= (25 * align - 10) * align - 55;
        if v >= 7 {
            bits -= 36; // the two version-information blocks
        }
    }
    bits / 8
}

fn data_codewords(version: usize, ecc: Ecc) -> usize {
    let e = ecc as usize;
    raw_codewords(version)
        - usize::from(ECC_PER_BLOCK[e][version]) * usize::from(BLOCKS[e][version])
}

/// The smallest version whose byte-mode capacity holds `len` bytes at `ecc`.
pub fn version_for(len: usize, ecc: Ecc) -> Option<usize> {
    (1..=40).find(|&v| {
        let count_bits = if v < 10 { 8 } else { 16 };
        len < (1 << count_bits) && 4 + count_bits + 8 * len <= data_codewords(v, ecc) * 8
    })
}

// ---------- Reed–Solomon over GF(256), polynomial 0x11D ----------

/// GF(256) exponents and logarithms. Built per encode (255 steps, well under a
/// microsecond) rather than stored: as data they were 768 bytes that gzip cannot shrink.
struct Gf {
    /// `exp` twice over, so a sum of two logs indexes it without a modulo.
    exp: [u8; 512],
    log: [u8; 256],
}

fn gf_tables() -> Gf {
    let mut exp = [0u8; 512];
    let mut log = [0u8; 256];
    // Opaque to the optimiser, which would otherwise fold the loop back into data.
    let mut x: u32 = core::hint::black_box(1);
    let mut i = 0;
    while i < 255 {
        exp[i] = x as u8;
        exp[i + 255] = x as u8;
        log[x as usize] = i as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= 0x11D;
        }
        i += 1;
    }
    Gf { exp, log }
}

fn gf_mul(gf: &Gf, a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    gf.exp[usize::from(gf.log[a as usize]) + usize::from(gf.log[b as usize])]
}

/// Generator polynomial of `degree`, highest coefficient (always 1) dropped.
fn generator(gf: &Gf, degree: usize) -> Vec<u8> {
    let mut g = vec![0u8; degree];
    g[degree - 1] = 1;
    let mut root = 1u8;
    for _ in 0..degree {
        for j in 0..degree {
            g[j] = gf_mul(gf, g[j], root);
            if j + 1 < degree {
                g[j] ^= g[j + 1];
            }
        }
        root = gf_mul(gf, root, 2);
    }
    g
}

/// Appends the remainder of `data · x^n` divided by the generator, given as
/// the logs of its `n` coefficients (none is zero).
fn remainder(gf: &Gf, data: &[u8], gen_log: &[u8], out: &mut Vec<u8>) {
    let n = gen_log.len();
    let mut r = [0u8; 32];
    let r = &mut r[..n];
    for &b in data {
        let factor = b ^ r[0];
        r.copy_within(1.., 0);
        r[n - 1] = 0;
        if factor != 0 {
            let lf = usize::from(gf.log[factor as usize]);
            for i in 0..n {
                r[i] ^= gf.exp[lf + usize::from(gen_log[i])];
            }
        }
    }
    out.extend_from_slice(r);
}

struct BitWriter {
    data: Vec<u8>,
    acc: u32,
    n: u32,
}

impl BitWriter {
    /// `count` low bits of `value`, most significant first.
    fn put(&mut self, value: u32, count: u32) {
        for i in (0..count).rev() {
            self.acc = self.acc << 1 | (value >> i & 1);
            self.n += 1;
            if self.n == 8 {
                self.data.push(self.acc as u8);
                self.acc = 0;
                self.n = 0;
            }
        }
    }
}

/// Data codewords for `bytes` in byte mode, then error correction, interleaved
/// block by block as the symbol stores them.
fn codewords(bytes: &[u8], version: usize, ecc: Ecc) -> Vec<u8> {
    let capacity = data_codewords(version, ecc);
    let mut w = BitWriter {
        data: Vec::with_capacity(capacity),
        acc: 0,
        n: 0,
    };
    w.put(0b0100, 4);
    w.put(bytes.len() as u32, if version < 10 { 8 } else { 16 });
    for &b in bytes {
        w.put(u32::from(b), 8);
    }
    // Terminator (up to four zero bits), then zero bits to the byte boundary.
    let used = w.data.len() * 8 + w.n as usize;
    w.put(0, (capacity * 8 - used).min(4) as u32);
    if w.n > 0 {
        w.put(0, 8 - w.n);
    }
    let mut data = w.data;
    let mut pad = 0xEC;
    while data.len() < capacity {
        data.push(pad);
        pad ^= 0xEC ^ 0x11;
    }

    let e = ecc as usize;
    let blocks = usize::from(BLOCKS[e][version]);
    let ecc_len = usize::from(ECC_PER_BLOCK[e][version]);
    let raw = raw_codewords(version);
    let short_blocks = blocks - raw % blocks;
    let short_data = raw / blocks - ecc_len;
    let gf = gf_tables();
    let gen: Vec<u8> = generator(&gf, ecc_len)
        .iter()
        .map(|&c| gf.log[c as usize])
        .collect();
    let mut out = Vec::with_capacity(raw);
    let mut ecc_all = Vec::with_capacity(blocks * ecc_len);
    let mut starts = Vec::with_capacity(blocks + 1);
    let mut at = 0;
    for b in 0..blocks {
        let len = short_data + usize::from(b >= short_blocks);
        starts.push(at);
        remainder(&gf, &data[at..at + len], &gen, &mut ecc_all);
        at += len;
    }
    starts.push(at);
    for i in 0..=short_data {
        for b in 0..blocks {
            if starts[b] + i < starts[b + 1] {
                out.push(data[starts[b] + i]);
            }
        }
    }
    for i in 0..ecc_len {
        for b in 0..blocks {
            out.push(ecc_all[b * ecc_len + i]);
        }
    }
    out
}

// ---------- the symbol ----------

/// Up to 177 modules per row, bit `x` of the row = column `x`.
type Row = [u64; 3];

fn and(a: &Row, b: &Row) -> Row {
    [a[0] & b[0], a[1] & b[1], a[2] & b[2]]
}

fn not(a: &Row, width: &Row) -> Row {
    [!a[0] & width[0], !a[1] & width[1], !a[2] & width[2]]
}

/// The first `n` bits set.
fn ones(n: usize) -> Row {
    let mut r = [0u64; 3];
    for (i, w) in r.iter_mut().enumerate() {
        let lo = i * 64;
        if n >= lo + 64 {
            *w = !0;
        } else if n > lo {
            *w = (1u64 << (n - lo)) - 1;
        }
    }
    r
}

struct Grid {
    size: usize,
    dark: Vec<Row>,
    function: Vec<Row>,
}

impl Grid {
    #[inline(always)]
    fn set(&mut self, x: usize, y: usize, dark: bool) {
        let bit = 1u64 << (x % 64);
        if dark {
            self.dark[y][x / 64] |= bit;
        } else {
            self.dark[y][x / 64] &= !bit;
        }
        self.function[y][x / 64] |= bit;
    }

    #[inline(always)]
    fn is_function(&self, x: usize, y: usize) -> bool {
        self.function[y][x / 64] >> (x % 64) & 1 == 1
    }

    fn finder(&mut self, cx: usize, cy: usize) {
        for dy in -4i32..=4 {
            for dx in -4i32..=4 {
                let (x, y) = (cx as i32 + dx, cy as i32 + dy);
                if x < 0 || y < 0 || x >= self.size as i32 || y >= self.size as i32 {
                    continue;
                }
                let d = dx.abs().max(dy.abs());
                self.set(x as usize, y as usize, d != 2 && d != 4);
            }
        }
    }

    fn alignment(&mut self, cx: usize, cy: usize) {
        for dy in -2i32..=2 {
            for dx in -2i32..=2 {
                let d = dx.abs().max(dy.abs());
                self.set((cx as i32 + dx) as usize, (cy as i32 + dy) as usize, d != 1);
            }
        }
    }

    fn format(&mut self, ecc: Ecc, mask: u32) {
        let data = ecc.format_bits() << 3 | mask;
        let mut rem = data;
        for _ in 0..10 {
            rem = (rem << 1) ^ ((rem >> 9) * 0x537);
        }
        let bits = (data << 10 | rem) ^ 0x5412;
        let bit = |i: usize| bits >> i & 1 == 1;
        let n = self.size;
        for i in 0..6 {
            self.set(8, i, bit(i));
        }
        self.set(8, 7, bit(6));
        self.set(8, 8, bit(7));
        self.set(7, 8, bit(8));
        for i in 9..15 {
            self.set(14 - i, 8, bit(i));
        }
        for i in 0..8 {
            self.set(n - 1 - i, 8, bit(i));
        }
        for i in 8..15 {
            self.set(8, n - 15 + i, bit(i));
        }
        self.set(8, n - 8, true);
    }

    fn version_info(&mut self, version: usize) {
        if version < 7 {
            return;
        }
        let mut rem = version as u32;
        for _ in 0..12 {
            rem = (rem << 1) ^ ((rem >> 11) * 0x1F25);
        }
        let bits = (version as u32) << 12 | rem;
        for i in 0..18 {
            let dark = bits >> i & 1 == 1;
            let (a, b) = (self.size - 11 + i % 3, i / 3);
            self.set(a, b, dark);
            self.set(b, a, dark);
        }
    }
}

fn alignment_positions(version: usize) -> Vec<usize> {
    if version == 1 {
        return Vec::new();
    }
    let n = version / 7 + 2;
    let size = version * 4 + 17;
    let step = (version * 8 + n * 3 + 5) / (n * 4 - 4) * 2;
    let mut p: Vec<usize> = (0..n - 1).map(|i| size - 7 - i * step).collect();
    p.push(6);
    p.reverse();
    p
}

/// Whether mask `m` flips the module at column `x`, row `y`.
const fn mask_bit(m: usize, x: usize, y: usize) -> bool {
    match m {
        0 => (x + y) % 2 == 0,
        1 => y % 2 == 0,
        2 => x % 3 == 0,
        3 => (x + y) % 3 == 0,
        4 => (x / 3 + y / 2) % 2 == 0,
        5 => x * y % 2 + x * y % 3 == 0,
        6 => (x * y % 2 + x * y % 3) % 2 == 0,
        _ => ((x + y) % 2 + x * y % 3) % 2 == 0,
    }
}

/// Every mask repeats every 12 rows, so eight masks are 96 full-width rows,
/// built at compile time. (Built per encode from a 6-column unit instead, the
/// code gzipped larger than this table does.)
const fn mask_table() -> [[Row; 12]; 8] {
    let mut t = [[[0u64; 3]; 12]; 8];
    let mut m = 0;
    while m < 8 {
        let mut y = 0;
        while y < 12 {
            let mut x = 0;
            while x < 192 {
                if mask_bit(m, x, y) {
                    t[m][y][x / 64] |= 1 << (x % 64);
                }
                x += 1;
            }
            y += 1;
        }
        m += 1;
    }
    t
}

static MASKS: [[Row; 12]; 8] = mask_table();

/// A row with a zero word after its last, so a shift across words needs no bounds check.
type Bits = [u64; 4];

/// Bit `x` of the result = bit `x + k` of `r`, word `i` (0 < k < 64).
#[inline(always)]
fn dn(r: &Bits, i: usize, k: u32) -> u64 {
    r[i] >> k | r[i + 1] << (64 - k)
}

/// Rule 1 over one line's `w5` (set where five equal modules start): Σ (L − 4)
/// over runs of L ≥ 5, plus 2 per run — 3 + (L − 5) each. `prev` is the bit
/// before each in the line (the row above for columns, the next lower bit for rows).
#[inline(always)]
fn runs(w5: u64, prev: u64) -> u32 {
    w5.count_ones() + 2 * (w5 & !prev).count_ones()
}

/// The spec's four penalty rules over bit-packed rows (bit `x` = column `x`).
/// Word by word over the `n` words a row uses (one up to 64 modules), in plain
/// loops: the fully unrolled three-word form was 10 KB of the QR entry.
fn penalty(packed: &[Row], size: usize) -> u32 {
    let n = size.div_ceil(64);
    let bits = |r: &Row| -> Bits { [r[0], r[1], r[2], 0] };
    let all = bits(&ones(size));
    let pairs = bits(&ones(size - 1)); // columns with a right-hand neighbour
    let mut score = 0;
    let mut dark = 0;
    // Per row: dark and light bits; then, for the columns, "same as the row
    // below", "1011101 starts here" and "0000 starts here", so the vertical
    // rules are the horizontal ones with rows for shifts.
    let mut buf = vec![[0u64; 4]; 5 * size];
    let (d, rest) = buf.split_at_mut(size);
    let (l, rest) = rest.split_at_mut(size);
    let (same, rest) = rest.split_at_mut(size);
    let (core, light4) = rest.split_at_mut(size);
    for y in 0..size {
        d[y] = bits(&packed[y]);
        for i in 0..n {
            l[y][i] = !d[y][i] & all[i];
        }
    }
    for y in 0..size {
        let (r, lr) = (d[y], l[y]);
        let (mut eq, mut l4, mut c, mut v) = ([0u64; 4], [0u64; 4], [0u64; 4], [0u64; 4]);
        for i in 0..n {
            dark += r[i].count_ones();
            eq[i] = !(r[i] ^ dn(&r, i, 1)) & pairs[i];
            l4[i] = lr[i] & dn(&lr, i, 1) & dn(&lr, i, 2) & dn(&lr, i, 3);
            c[i] = r[i]
                & dn(&lr, i, 1)
                & dn(&r, i, 2)
                & dn(&r, i, 3)
                & dn(&r, i, 4)
                & dn(&lr, i, 5)
                & dn(&r, i, 6);
            if y + 1 < size {
                v[i] = !(r[i] ^ d[y + 1][i]) & all[i];
            }
        }
        let mut carry = 0;
        for i in 0..n {
            let w5 = eq[i] & dn(&eq, i, 1) & dn(&eq, i, 2) & dn(&eq, i, 3);
            // The bit below each, across the word boundary.
            score += runs(w5, w5 << 1 | carry);
            carry = w5 >> 63;
            score +=
                40 * ((c[i] & dn(&l4, i, 7)).count_ones() + (l4[i] & dn(&c, i, 4)).count_ones());
            if y + 1 < size {
                // Rule 2: 2×2 blocks of one colour.
                score += 3 * (eq[i] & v[i] & dn(&v, i, 1)).count_ones();
            }
        }
        if y + 1 < size {
            same[y] = v;
        }
        if y + 3 < size {
            for i in 0..n {
                light4[y][i] = lr[i] & l[y + 1][i] & l[y + 2][i] & l[y + 3][i];
            }
        }
        if y + 6 < size {
            for i in 0..n {
                core[y][i] = r[i]
                    & l[y + 1][i]
                    & d[y + 2][i]
                    & d[y + 3][i]
                    & d[y + 4][i]
                    & l[y + 5][i]
                    & d[y + 6][i];
            }
        }
    }
    let mut prev = [0u64; 4];
    for y in 0..size.saturating_sub(4) {
        for i in 0..n {
            let w5 = same[y][i] & same[y + 1][i] & same[y + 2][i] & same[y + 3][i];
            score += runs(w5, prev[i]);
            prev[i] = w5;
        }
    }
    for y in 0..size.saturating_sub(10) {
        for i in 0..n {
            score += 40
                * ((core[y][i] & light4[y + 7][i]).count_ones()
                    + (light4[y][i] & core[y + 4][i]).count_ones());
        }
    }

    // Rule 4: 10 points per 5 % the dark share strays from half.
    let total = (size * size) as u32;
    let k = (dark * 20)
        .abs_diff(total * 10)
        .div_ceil(total)
        .saturating_sub(1);
    score + 10 * k
}

/// The symbol for `bytes` at `ecc` in byte mode, best mask by the spec's
/// penalty, row-major modules (1 = dark) without quiet zone. `None` when the
/// bytes fit no version.
pub fn encode(bytes: &[u8], ecc: Ecc) -> Option<(usize, Vec<Row>)> {
    let version = version_for(bytes.len(), ecc)?;
    let size = version * 4 + 17;
    let mut g = Grid {
        size,
        dark: vec![[0; 3]; size],
        function: vec![[0; 3]; size],
    };
    for i in 0..size {
        g.set(6, i, i % 2 == 0);
        g.set(i, 6, i % 2 == 0);
    }
    g.finder(3, 3);
    g.finder(size - 4, 3);
    g.finder(3, size - 4);
    let align = alignment_positions(version);
    let last = align.len().saturating_sub(1);
    for (i, &ay) in align.iter().enumerate() {
        for (j, &ax) in align.iter().enumerate() {
            // The three corners the finder patterns occupy.
            let corner = [(0, 0), (0, last), (last, 0)].contains(&(i, j));
            if !corner {
                g.alignment(ax, ay);
            }
        }
    }
    g.format(ecc, 0); // reserves the format areas; rewritten once the mask is chosen
    g.version_info(version);

    // Data in the two-column zigzag from the bottom-right corner.
    let cw = codewords(bytes, version, ecc);
    let total_bits = cw.len() * 8;
    let mut i = 0;
    let mut right = size - 1;
    loop {
        if right == 6 {
            right = 5;
        }
        let upward = (right + 1) & 2 == 0;
        for vert in 0..size {
            let y = if upward { size - 1 - vert } else { vert };
            for x in [right, right - 1] {
                if !g.is_function(x, y) {
                    if i < total_bits && cw[i >> 3] >> (7 - (i & 7)) & 1 == 1 {
                        g.dark[y][x / 64] |= 1 << (x % 64);
                    }
                    i += 1;
                }
            }
        }
        if right < 2 {
            break;
        }
        right -= 2;
    }

    // Score each mask on a masked copy; format bits included, as the spec says.
    let mut best = (u32::MAX, 0u32);
    let mut masked = vec![[0u64; 3]; size];
    for m in 0..8 {
        g.format(ecc, m);
        apply_mask(&g, m, &mut masked);
        let p = penalty(&masked, size);
        if p < best.0 {
            best = (p, m);
        }
    }
    g.format(ecc, best.1);
    apply_mask(&g, best.1, &mut masked);
    Some((size, masked))
}

fn apply_mask(g: &Grid, m: u32, out: &mut [Row]) {
    let pattern = &MASKS[m as usize];
    let all = ones(g.size);
    for (y, row) in out.iter_mut().enumerate() {
        let data = not(&g.function[y], &all);
        let flip = and(&pattern[y % 12], &data);
        let d = &g.dark[y];
        *row = [d[0] ^ flip[0], d[1] ^ flip[1], d[2] ^ flip[2]];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The first bit-packed form (each rule on N words at once, unrolled): the
    // oracle for the word-by-word `penalty`, itself checked bit for bit against
    // node-qrcode's mask choice through the whole symbol (qr-matrix.test.mjs).
    // `N` words of a row: rows of up to 64 modules (versions 1–11) are scored
    /// in one word, up to 128 in two.
    type Bits<const N: usize> = [u64; N];

    fn op<const N: usize>(mut a: Bits<N>, b: Bits<N>, f: impl Fn(u64, u64) -> u64) -> Bits<N> {
        for i in 0..N {
            a[i] = f(a[i], b[i]);
        }
        a
    }

    /// Bit `x` of the result = bit `x + k` of `r` (0 < k < 64).
    fn down<const N: usize>(r: Bits<N>, k: u32) -> Bits<N> {
        let mut out = r;
        for i in 0..N {
            out[i] = r[i] >> k | if i + 1 < N { r[i + 1] << (64 - k) } else { 0 };
        }
        out
    }

    /// Bit `x` of the result = bit `x − 1` of `r`.
    fn up1<const N: usize>(r: Bits<N>) -> Bits<N> {
        let mut out = r;
        for i in 0..N {
            out[i] = r[i] << 1 | if i > 0 { r[i - 1] >> 63 } else { 0 };
        }
        out
    }

    fn pop<const N: usize>(r: Bits<N>) -> u32 {
        let mut n = 0;
        for w in r {
            n += w.count_ones();
        }
        n
    }

    /// Rule 1 for one line of `w5` bits (set where five equal modules start):
    /// Σ (L − 4) over runs of L ≥ 5, plus 2 per run — 3 + (L − 5) each.
    fn runs<const N: usize>(w5: Bits<N>, prev: Bits<N>) -> u32 {
        pop(w5) + 2 * pop(op(w5, prev, |a, b| a & !b))
    }

    /// The spec's four penalty rules over bit-packed rows (bit `x` = column `x`).
    fn penalty_unrolled<const N: usize>(packed: &[Row], size: usize) -> u32 {
        let take = |r: &Row| -> Bits<N> {
            let mut b = [0u64; N];
            b.copy_from_slice(&r[..N]);
            b
        };
        let all: Bits<N> = take(&ones(size));
        let pairs: Bits<N> = take(&ones(size - 1)); // columns with a right-hand neighbour
        let and = |a, b| op(a, b, |x, y| x & y);
        let mut score = 0;
        let mut dark = 0;
        // Per row: dark and light bits; then, for the columns, "same as the row
        // below", "1011101 starts here" and "0000 starts here", so the vertical
        // rules are the horizontal ones with rows for shifts. (Plain slices and
        // loops: the browser build is optimised for size, which inlines little.)
        let mut buf = vec![[0u64; N]; 5 * size];
        let (d, rest) = buf.split_at_mut(size);
        let (l, rest) = rest.split_at_mut(size);
        let (same, rest) = rest.split_at_mut(size);
        let (core, light4) = rest.split_at_mut(size);
        for y in 0..size {
            d[y] = take(&packed[y]);
            l[y] = op(d[y], all, |x, w| !x & w);
        }
        for y in 0..size {
            let (r, lr) = (d[y], l[y]);
            dark += pop(r);
            let eq = and(op(r, down(r, 1), |a, b| !(a ^ b)), pairs);
            let w5 = and(and(eq, down(eq, 1)), and(down(eq, 2), down(eq, 3)));
            score += runs(w5, up1(w5));
            let c = and(
                and(and(r, down(lr, 1)), and(down(r, 2), down(r, 3))),
                and(and(down(r, 4), down(lr, 5)), down(r, 6)),
            );
            let l4 = and(and(lr, down(lr, 1)), and(down(lr, 2), down(lr, 3)));
            score += 40 * (pop(and(c, down(l4, 7))) + pop(and(l4, down(c, 4))));
            if y + 1 < size {
                // Rule 2: 2×2 blocks of one colour.
                let v = and(op(r, d[y + 1], |a, b| !(a ^ b)), all);
                score += 3 * pop(and(and(eq, v), down(v, 1)));
                same[y] = v;
            }
            if y + 3 < size {
                light4[y] = and(and(lr, l[y + 1]), and(l[y + 2], l[y + 3]));
            }
            if y + 6 < size {
                core[y] = and(
                    and(and(r, l[y + 1]), and(d[y + 2], d[y + 3])),
                    and(and(d[y + 4], l[y + 5]), d[y + 6]),
                );
            }
        }
        let mut prev = [0u64; N];
        for y in 0..size.saturating_sub(4) {
            let w5 = and(and(same[y], same[y + 1]), and(same[y + 2], same[y + 3]));
            score += runs(w5, prev);
            prev = w5;
        }
        for y in 0..size.saturating_sub(10) {
            score += 40 * (pop(and(core[y], light4[y + 7])) + pop(and(light4[y], core[y + 4])));
        }

        // Rule 4: 10 points per 5 % the dark share strays from half.
        let total = (size * size) as u32;
        let k = (dark * 20)
            .abs_diff(total * 10)
            .div_ceil(total)
            .saturating_sub(1);
        score + 10 * k
    }

    #[test]
    fn word_by_word_penalty_equals_the_unrolled_one_on_every_size() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for version in 1..=40 {
            let size = version * 4 + 17;
            for density in [1u32, 2, 3] {
                // Random rows at three densities (sparse, half, dense), masked to the width.
                let all = ones(size);
                let rows: Vec<Row> = (0..size)
                    .map(|_| {
                        let mut r = [next(), next(), next()];
                        for w in &mut r {
                            *w = match density {
                                1 => *w & next() & next(),
                                2 => *w,
                                _ => *w | next() | next(),
                            };
                        }
                        and(&r, &all)
                    })
                    .collect();
                let want = penalty_unrolled::<3>(&rows, size);
                assert_eq!(penalty(&rows, size), want, "size {size}, density {density}");
                if size <= 64 {
                    assert_eq!(penalty_unrolled::<1>(&rows, size), want);
                }
            }
        }
    }

    #[test]
    fn capacities_match_the_spec_table() {
        // Byte-mode capacities from ISO/IEC 18004 Table 7 (a few rows).
        let cap = |v: usize, e: Ecc| {
            (0..3000)
                .take_while(|&n| version_for(n, e).is_some_and(|x| x <= v))
                .last()
        };
        assert_eq!(cap(1, Ecc::L), Some(17));
        assert_eq!(cap(1, Ecc::H), Some(7));
        assert_eq!(cap(10, Ecc::M), Some(213));
        assert_eq!(cap(40, Ecc::L), Some(2953));
        assert_eq!(cap(40, Ecc::H), Some(1273));
        assert_eq!(version_for(2954, Ecc::L), None);
    }

    #[test]
    fn generator_of_degree_7_is_the_specs() {
        // ISO/IEC 18004 Annex A, degree 7: α^0 x^7 + α^87 x^6 + α^229 x^5 + α^146 x^4
        // + α^149 x^3 + α^238 x^2 + α^102 x + α^21.
        let exps = [87usize, 229, 146, 149, 238, 102, 21];
        let gf = gf_tables();
        assert!(
            generator(&gf, 30).iter().all(|&c| c != 0),
            "logs of every coefficient exist"
        );
        let want: Vec<u8> = exps.iter().map(|&e| gf.exp[e]).collect();
        assert_eq!(generator(&gf, 7), want);
    }

    #[test]
    fn alignment_positions_match_the_spec_table() {
        assert_eq!(alignment_positions(2), vec![6, 18]);
        assert_eq!(alignment_positions(7), vec![6, 22, 38]);
        assert_eq!(alignment_positions(32), vec![6, 34, 60, 86, 112, 138]);
        assert_eq!(alignment_positions(40), vec![6, 30, 58, 86, 114, 142, 170]);
    }
}
