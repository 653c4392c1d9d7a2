// Fetch helpers for cprofiler's HTTP API. Every failure becomes an ApiError
// whose message can be shown to the user as it is.

export class ApiError extends Error {
  // status: the HTTP status, or 0 when the server could not be reached.
  constructor(message, status) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

// GET `path` (with `params`, a URLSearchParams or plain object) and parse JSON.
export async function getJSON(path, params) {
  const url = withQuery(path, params);
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new ApiError(`Cannot reach the cprofiler server (${err.message}). Is "cprofiler serve" running?`, 0);
  }
  if (!response.ok) {
    const reason = (await response.text().catch(() => '')).trim();
    throw new ApiError(describeStatus(response.status, reason), response.status);
  }
  try {
    return await response.json();
  } catch {
    throw new ApiError(`The server sent a response to ${path} that is not JSON.`, response.status);
  }
}

// The profile-type table (GET /api/profile_types: [{name, mergeable, ...}])
// as a Map by name; read once a page (again after a failure).
let profileTypesLoad = null;
export function profileTypes() {
  profileTypesLoad ??= getJSON('/api/profile_types')
    .then((rows) => new Map(rows.map((row) => [row.name, row])))
    .catch((err) => {
      profileTypesLoad = null;
      throw err;
    });
  return profileTypesLoad;
}

// Whether profiles of `profileType` can be merged, compared and analyzed:
// the mergeable column of `types` (profileTypes()'s table). A trace cannot;
// a type the table does not list is read as a pprof profile, as the server
// reads it.
export function isMergeable(types, profileType) {
  return types.get(profileType)?.mergeable ?? true;
}

function describeStatus(status, reason) {
  const detail = reason ? `: ${reason}` : '';
  if (status === 400) return `The server rejected the request${detail}`;
  if (status === 404) return `Not found${detail}`;
  return `The server failed (HTTP ${status})${detail}`;
}

export function withQuery(path, params) {
  const query = new URLSearchParams(params ?? {}).toString();
  return query ? `${path}?${query}` : path;
}

// Milliseconds since the epoch as the API's RFC 3339 (UTC, milliseconds).
export function rfc3339(ms) {
  return new Date(ms).toISOString();
}

// The analysis-relevant part of a query string, in the contract's terms.
const SOURCE_KEYS = new Set(['id', 'sample_type', 'start_time', 'end_time', 'condition', 'interval']);
export const FILTER_KEYS = ['focus', 'ignore', 'hide'];

// The <source> parameters (id=..., or sample_type/start_time/end_time/lbs[k]/
// condition) found in `params`, in their order.
export function sourceParams(params) {
  const source = new URLSearchParams();
  for (const [key, value] of params) {
    if (SOURCE_KEYS.has(key) || /^lbs\[.*\]$/.test(key)) source.append(key, value);
  }
  return source;
}

// A label filter as the API spells it: lbs[key]=value.
export function labelParam(key) {
  return `lbs[${key}]`;
}

// The pprof sample index of a profile_meta SampleType: heap_inuse_space ->
// inuse_space, profile_cpu -> cpu; a profile with one sample type is named
// after its profile type (goroutine), which is then the index asked for.
export function sampleIndexOf(sampleType, profileType) {
  const prefix = `${profileType}_`;
  return sampleType.startsWith(prefix) ? sampleType.slice(prefix.length) : sampleType;
}
