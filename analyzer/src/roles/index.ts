// The roles layer: rules as data (analyzer/rules/*.yaml), applied to an analysis.
export { applyRoles } from './apply.js';
export { loadRules, parseRulesText, BUILTIN_RULES_DIR, RULES_ERROR_CODE } from './load-rules.js';
export type { Rule, RuleSet } from './rule-types.js';
