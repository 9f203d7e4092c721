// Runs inside workerd: the worker entry initialised with the imported module,
// signing SIGNING.md's vectors. The test compares the answers in Node.
import wasm from '../../pkg/worker/qrcheckout_bg.wasm';
import { init, signGatepayIo, signGatepay, signYimafu, verifyNotify, renderQrSvg } from '../../pkg/worker.js';

init(wasm);

export default {
  async fetch() {
    const out = {
      isModule: wasm instanceof WebAssembly.Module,
      io1: signGatepayIo(
        {
          appkey: 'ak_5cbadd67774f8',
          product_id: 1024,
          product_num: 2,
          pay_type: 'alipay',
          out_order_id: 'SO20190420001',
          custom: 'uid=42;mail=a@b.cn',
        },
        'sk_test_secret',
      ),
      io2: signGatepayIo(
        { appkey: 'ak_5cbadd67774f8', product_id: 7, product_num: 1, pay_type: 'wechat', out_order_id: 'SO-微信-7', custom: '张三' },
        'sk_test_secret',
      ),
      ioNotify: signGatepayIo(
        {
          appkey: 'ak_5cbadd67774f8',
          order_id: '88231',
          out_order_id: 'SO20190420001',
          price: '3.00',
          realprice: '2.98',
          type: 'alipay',
          paytime: '1555750300',
          extend: 'uid=42;mail=a@b.cn',
        },
        'sk_test_secret',
      ),
      gp1: signGatepay('1700073707111', '456', '{the_answer: 42}', '123'),
      gp2: signGatepay('1700073707111', '456', '', '123'),
      gp3: signGatepay(
        '1672905655498',
        '9578',
        '{"merchantTradeNo":"22212345678555","env":{"terminalType":"APP"},"currency":"GT","orderAmount":"1.21",' +
          '"goods":{"goodsName":"NF2T","goodsDetail":"123444"}}',
        'test_secret_key_0123456789',
      ),
      y1: signYimafu(
        {
          amount: 100,
          app_id: 'app_9ba59abbe56e057f20f',
          attach: '{"userId":888,"level":3}',
          client_ip: '127.0.0.1',
          description: '苹果13Pro',
          notify_url: 'http://api.qdoto.com/transactions/notify.html',
          out_trade_no: '1217752501201407',
          pay_type: 20,
          time_expire: 60,
        },
        '0123456789abcdef0123456789abcdef',
      ),
      y2: signYimafu(
        {
          amount: 2990,
          app_id: 'app_9ba59abbe56e057f20f',
          client_ip: '203.0.113.7',
          description: '会员月卡',
          notify_url: 'https://shop.example/notify/yimafu',
          openid: 'oZwt6wvYaXMHC1mBJ0Ek0y1uU',
          out_trade_no: 'WX-JSAPI-0001',
          pay_type: 22,
          split: 0,
        },
        '0123456789abcdef0123456789abcdef',
      ),
      yNotify: signYimafu(
        {
          amount: 100,
          app_id: 'app_9ba59abbe56e057f20f',
          attach: '{"userId":888,"level":3}',
          channel: 'alipay_qr',
          description: '苹果13Pro',
          out_trade_no: '1217752501201407',
          pay_time: '2023-07-19 10:12:13',
          trade_no: 'YMF2307190011178361713',
          trade_state: 'success',
          true_amount: 100,
        },
        '0123456789abcdef0123456789abcdef',
      ),
      svg: renderQrSvg('https://qr.alipay.com/bax04775wixee8ieymjz00d8').startsWith('<svg'),
    };
    try {
      verifyNotify('gatepay', { headers: {}, body: '{}' }, 'k', { now: 0 });
    } catch (e) {
      out.error = { name: e.name, code: e.code };
    }
    return Response.json(out);
  },
};
