// The shop's catalog: the worker prices every order from here, never from the page.
// gatepay.io prices by its own product id, so `productId` must match the dashboard
// (the sandbox's ids: 1024 → 29.90, 2048 → 9.90).
export default [
  {
    sku: 'longjing-250g',
    name: '龙井茶 Longjing tea 250g',
    price: '29.90',
    currency: 'CNY',
    offers: [
      { gateway: 'gatepay-io', payTypes: ['wechat', 'alipay', 'onecode'], productId: 1024 },
      { gateway: 'yimafu', payTypes: ['20', '30', '21', '31', '22'] },
    ],
  },
  {
    sku: 'member-month',
    name: '会员月卡 Membership, 1 month',
    price: '9.90',
    currency: 'CNY',
    offers: [
      { gateway: 'gatepay-io', payTypes: ['wechat', 'alipay', 'onecode'], productId: 2048 },
      { gateway: 'yimafu', payTypes: ['20', '30'] },
    ],
  },
  {
    sku: 'nf2t',
    name: 'NF2T collectible',
    price: '1.21',
    currency: 'USDT',
    offers: [{ gateway: 'gatepay', payTypes: ['WEB', 'APP'] }],
  },
];
