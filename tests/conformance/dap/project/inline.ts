// A TypeScript function for the debugger's conformance tests, run as written: the Node
// runtime compiles it as it loads (esbuild, with an inline source map); no .js beside it.
interface Item {
  sku: string;
  qty: number;
  unit: number;
}

interface Order {
  id: number;
  items: Item[];
}

function lineTotal(item: Item): number {
  const amount: number = item.qty * item.unit;
  return amount;
}

export const hello = async (event: { name?: string; order: Order }) => {
  const who: string = event.name ?? 'world';
  let total = 0;
  for (const item of event.order.items) {
    total += lineTotal(item);
  }
  return { message: `hi ${who}`, total };
};
