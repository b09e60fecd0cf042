// Redaction of snapshots before they are shared: see docs/redaction.md.
export { RULE_CLASSES, RULE_CLASS_INFO, REDACTED, parseKeep, activeClasses, type RuleClass, type KeepSpec } from './rule-classes.js';
export { PseudonymMap, MAP_FORMAT, type MapFileJson } from './pseudonyms.js';
export { Identities } from './identities.js';
export { Redactor, type Finding } from './redactor.js';
export { readForRedaction, type RawSnapshot } from './read-input.js';
export { planRedaction, discoverIdentities, reserveIdentities } from './snapshot-redactor.js';
export { redactToFile, checkRedaction, checkPaths, type RedactOptions, type RedactResult } from './run.js';
