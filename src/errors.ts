/**
 * Every failure a caller can see is a `DspexError` with a stable `code`, gathered in one import from
 * the modules that hold them: the codes (errorCodes.ts), the classes and their guard
 * (errorClasses.ts), and their plain-data form, what crosses a thread (errorData.ts).
 */
export * from "./errorClasses.js";
export * from "./errorCodes.js";
export * from "./errorData.js";
