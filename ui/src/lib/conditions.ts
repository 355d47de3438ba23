import type { ReturnCondition } from "./api/bindings/ReturnCondition";

/** The conditions a returned asset is graded in, best first: the returns desk and a subscription's early return. */
export const RETURN_CONDITIONS: ReturnCondition[] = ["excellent", "good", "fair", "poor", "damaged"];
