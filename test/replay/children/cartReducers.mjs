// The cart reducers of test/replay/fixtures.ts, as a module the CLI and the crashing child load.
export const reducers = {
  'cart.add': (s, e) => {
    const { sku, qty, price } = e.data;
    s.cart.items.push({ sku, qty, price });
    s.cart.total += qty * price;
  },
  'cart.remove': (s, e) => {
    const i = s.cart.items.findIndex((x) => x.sku === e.data.sku);
    if (i < 0) return;
    s.cart.total -= s.cart.items[i].qty * s.cart.items[i].price;
    s.cart.items.splice(i, 1);
  },
  'cart.coupon': (s, e) => {
    s.cart.coupon = e.data.code;
    s.cart.total = Math.round(s.cart.total * 0.9 * 100) / 100;
  },
};
