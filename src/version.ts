/** Kept equal to package.json's version by test/unit/version.test.ts. */
export const VERSION = '0.1.0';
export const PROJECT_URL = 'https://github.com/dnsfail/dnsfail';
export const USER_AGENT = `dnsfail/${VERSION} (+${PROJECT_URL})`;
