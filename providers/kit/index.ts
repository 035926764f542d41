/**
 * The provider kit: everything a provider may use, and all that providers/<kind>/ may import from
 * outside its own folder. Published as the package subpath `dnsfail/provider` for third-party
 * providers (see providers/README.md). test/unit/import-graph.test.ts keeps the direction.
 */
export type { Capabilities, CurrentRecord, ItemResult, Provider, ProviderContext, ProviderFactory, RecordRef, RecordType, WriteItem, WriteRequest } from './types.js';
export { asProviderError, DnsfailError, isProviderError, ProviderError, type ProviderErrorKind } from './errors.js';
export { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';
export { createHttpClient, defaultHttpError, namingRequest, parseRetryAfter, rateLimitWaitMs, type HttpClient, type HttpClientOptions, type HttpDeps, type HttpMethod, type PagedHttpDeps, type HttpResponse, type RequestOptions } from './http.js';
export { assertSafeUrl } from './url.js';
export { canonicalIp, ipFamily, isIpv6, sameAddressSet, type IpFamily } from './ip.js';
export { isHostName, isInZone, normalizeDnsName, relativeName, zoneCandidates } from './dns-name.js';
export { asError, bareName, checkAddress, DOMAIN_RE, domainName, finishBatch, groupByZone, groupIndexes, readGroups, startBatch, throwIfOneFailure, wantedAddresses } from './records.js';
export { argv, doc, nonEmpty, optional, z } from './schema.js';
export { DURATION_PATTERN, formatDuration, parseDuration } from './duration.js';
export { registerSecret } from './redact.js';
export { DEFAULT_KILL_GRACE_MS, lastOutputLine, MAX_CAPTURED_BYTES, runProcess, spawnErrorReason, type ExitedOutcome, type RunOptions, type RunOutcome } from './process.js';
export { replaceTarget, unwritablePart, writeFileAtomic } from './atomic-write.js';
export { takeFileLock, type FileLock } from './file-lock.js';
export { presentTxt, txtOfPresentation, unescapeTxt } from './txt.js';
export { applyValuePlan, planValueRecords, recordCollectionWrites, syncValueRecords, valuePlanSize, valueRecordsAt, type ListedRecord, type ValuePlan, type ValueRecord } from './value-records.js';
export { checkTokenKeys, tokenApiOptions, tokenHttpClient, tokenKeys, type TokenApiOptions } from './token-config.js';
export { accessTokenOf, cachedAccessToken, type AccessToken } from './access-token.js';
