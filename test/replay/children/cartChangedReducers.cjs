// A CommonJS module.exports of reducers with a deliberate regression: the coupon takes 20% off, not 10%.
/* global module */
const add = (s, e) => {
  const { sku, qty, price } = e.data;
  s.cart.items.push({ sku, qty, price });
  s.cart.total += qty * price;
};
const remove = (s, e) => {
  const i = s.cart.items.findIndex((x) => x.sku === e.data.sku);
  if (i < 0) return;
  s.cart.total -= s.cart.items[i].qty * s.cart.items[i].price;
  s.cart.items.splice(i, 1);
};
module.exports = {
  'cart.add': add,
  'cart.remove': remove,
  'cart.coupon': (s, e) => {
    s.cart.coupon = e.data.code;
    s.cart.total = Math.round(s.cart.total * 0.8 * 100) / 100;
  },
};
