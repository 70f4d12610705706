/** A JSON value: what messages, generation parameters and provider fields are made of. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
