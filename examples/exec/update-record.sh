#!/bin/sh
# A TEMPLATE hook for dnsfail's exec provider: copy it and adapt it to your DNS service.
#
# dnsfail runs it without a shell whenever the record must change (see examples/exec.yaml), with:
#   DNSFAIL_NAME      the record, e.g. app.example.test (lower case, no trailing dot)
#   DNSFAIL_TYPE      A or AAAA
#   DNSFAIL_VALUES    the addresses the record must now hold, space-separated
#   DNSFAIL_TTL       TTL in seconds
#   DNSFAIL_PREVIOUS  what it held before, space-separated; empty when unknown
# and the `env:` of the provider's config.
#
# Exit 0 once the record holds exactly DNSFAIL_VALUES. Running it twice with the same values must
# be harmless. Exit 75 for a temporary failure: dnsfail retries a few times, then again next run.
# Any other code is a failure that is not retried in this run. The last line written to stderr
# becomes part of dnsfail's error message: never print secrets.
#
# HOOK_MODE=log (the default) only appends a line to HOOK_LOG: a dry run of the plumbing.
# HOOK_MODE=nsupdate sends an RFC 2136 update with nsupdate and a TSIG key file
# (dnsfail also has a built-in rfc2136 provider that does this without a script).
set -eu

case "${HOOK_MODE:-log}" in
log)
  log=${HOOK_LOG:?set HOOK_LOG to the file to append to}
  printf '%s %s %s %s ttl=%s previous=%s\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$DNSFAIL_NAME" "$DNSFAIL_TYPE" "$DNSFAIL_VALUES" "$DNSFAIL_TTL" \
    "${DNSFAIL_PREVIOUS:--}" >>"$log"
  ;;
nsupdate)
  server=${NSUPDATE_SERVER:?set NSUPDATE_SERVER to the primary server IP}
  key=${NSUPDATE_KEY_FILE:?set NSUPDATE_KEY_FILE to a TSIG key file (tsig-keygen)}
  {
    echo "server $server"
    if [ -n "${NSUPDATE_ZONE:-}" ]; then echo "zone $NSUPDATE_ZONE"; fi
    echo "update delete $DNSFAIL_NAME. $DNSFAIL_TYPE"
    for value in $DNSFAIL_VALUES; do
      echo "update add $DNSFAIL_NAME. $DNSFAIL_TTL $DNSFAIL_TYPE $value"
    done
    echo "send"
  } | nsupdate -k "$key" -t 10 || {
    # Timeout, SERVFAIL, REFUSED, NOTAUTH … all treated as temporary here; exit 1 instead to stop
    # retrying when you know the failure is permanent.
    echo "nsupdate failed for $DNSFAIL_NAME $DNSFAIL_TYPE" >&2
    exit 75
  }
  ;;
*)
  echo "unknown HOOK_MODE ${HOOK_MODE}" >&2
  exit 64
  ;;
esac
