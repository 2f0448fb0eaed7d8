/**
 * Valid audit records for store tests (shared with the reliability suite, which builds its chains
 * from the same records).
 */

export { sampleRecord } from '../../bench/reliability/sample-records.js';
