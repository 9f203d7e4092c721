/** Thrown by every function on bad input or a gateway refusal; never a trap. */
export interface CheckoutError extends Error {
  name: 'CheckoutError';
  /** Stable machine code, e.g. `invalid_pay_type`, `gateway_rejected`, `qr_too_long`. */
  code: string;
  /** The offending field (camelCase), when there is one. */
  field: string | null;
  /** The same message in Chinese. */
  messageZh: string;
  /** The gateway's own code ("101", "400002", "201") when it defines one. */
  gatewayCode: string | null;
}

/** What the page shows for a payment (`Payment.show`). */
export type Show =
  | { kind: 'qr'; content: string }
  | { kind: 'qrImage'; dataUrl: string; link: string | null }
  | { kind: 'redirect'; url: string }
  | { kind: 'app'; channel: string; credential: Record<string, unknown> };

export interface QrOptions {
  ecLevel?: 'L' | 'M' | 'Q' | 'H';
  quietZone?: number;
  moduleSize?: number;
  width?: number;
  dark?: string;
  light?: string;
  title?: string;
}

export interface QrMatrix {
  size: number;
  quietZone: number;
  modules: Uint8Array;
}

export type QrSource = { kind: 'text'; value: string } | { kind: 'image'; value: string };

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;
/** Loads the wasm (by default the .wasm beside this entry's glue). Also the default export. */
declare function init(input?: { module_or_path: InitInput | Promise<InitInput> } | InitInput): Promise<unknown>;
export default init;
export { init };
export function initSync(input: { module: BufferSource | WebAssembly.Module }): unknown;

/** What goes in the QR slot: text to encode, or the gateway's own (checked) image. */
export function paymentQrSource(payment: { show: Show }): QrSource;
export function renderQrSvg(text: string, options?: QrOptions): string;
export function renderQrPng(text: string, options?: QrOptions): string;
export function qrMatrix(text: string, options?: QrOptions): QrMatrix;
/** Returns the side length in pixels. */
export function drawQr(canvas: HTMLCanvasElement | OffscreenCanvas, text: string, options?: QrOptions): number;
