/** The conditions a returned asset is graded in, best first (the core's vocabulary): the returns desk and a subscription's early return. */
export { RETURN_CONDITIONS } from "./api/bindings/Vocabulary";
