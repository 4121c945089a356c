// shapes: a TypeScript module. Node.js cannot run it: the provider loads shapes.js, which
// `tsc shapes.ts` writes beside it.

type int32 = number & { readonly __brand?: "int32" };

export namespace Geo {
  /** Area of a w x h rectangle. */
  export function area(w: number, h: number): number {
    return w * h;
  }
}

export default async function label(id: int32, name: string): Promise<string> {
  return `${name}#${id}`;
}
