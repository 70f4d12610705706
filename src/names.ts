/**
 * Client names from the spec, at compile time: `createSystem` infers the names of a tree written as a
 * literal, so `system.call("gpt4")` against a tree that names `"gpt4o"` is a type error and editors
 * complete the names. A spec built at run time (typed `SystemSpec`) widens every name to `string`.
 */

/** The names `call`, `stream` and `embed` address in a tree: its clients (and routers), at any depth. */
export type ClientNames<S> = S extends { readonly children: readonly (infer C)[] } ? NamesOfChild<C> : string;

/**
 * A supervisor contributes its children's names; any other node (client, router) its own. A node whose
 * name is just `string` (a spec typed, not written out) stops the walk: every name is then `string`.
 */
type NamesOfChild<C> = C extends { readonly name: infer N extends string }
  ? string extends N
    ? string
    : C extends { readonly type: "supervisor"; readonly children: readonly unknown[] }
      ? ClientNames<C>
      : N
  : never;
