#!/usr/bin/env bash
# End-to-end: APIZoo files and folders on `gorilla retrieve` and `gorilla ask`
# (fixtures written here); the published folder when ../shared/apizoo (or
# $GORILLA_APIZOO) is there.
. "$(dirname "$0")/lib.sh"
Z=$TMP/zoo; mkdir -p "$Z"
cat > "$Z/pay.json" <<'JSON'
[
  {"api_name": "Stripe API - Charges", "api_call": "stripe.Charge.create(amount={amount}, currency={currency})",
   "functionality": "Charge a credit card for a payment", "questions": ["Charge Jenny 20 dollars"]},
  {"api_name": "Zoom API - meetingGet", "api_call": "GET /meetings/{meetingId}",
   "functionality": "Retrieve the details of a video meeting"},
  {"api_name": "no call here"}
]
JSON
printf '[\n  {"api_name": "x",\n  }\n]\n' > "$Z/broken.json"

expect_ok zoo-retrieve-folder "stripe.Charge.create" "$G" retrieve --api "$Z" -k 1 "charge a credit card"
grep -qF "broken.json:3:3: not valid JSON" "$TMP/err" && pass zoo-skip-invalid-file || fail zoo-skip-invalid-file "$(cat "$TMP/err")"
grep -qF "pay.json:6: entry 3: missing \"api_call\" (entry skipped)" "$TMP/err" && pass zoo-skip-bad-entry || fail zoo-skip-bad-entry "$(cat "$TMP/err")"
grep -qF "2 APIZoo documents from 1 file(s); skipped 1 file(s), 1 entry" "$TMP/err" && pass zoo-counts || fail zoo-counts "$(cat "$TMP/err")"
expect_ok zoo-retrieve-file "GET /meetings/{meetingId}" "$G" retrieve --api "$Z/pay.json" -k 1 "details of a video meeting"
expect_fail zoo-invalid-file "broken.json:3:3: not valid JSON" "$G" retrieve --api "$Z/broken.json" "x"
expect_ok zoo-ask "apizoo" "$G" ask --api "$Z/pay.json" -k 1 --json "get the details of a zoom meeting"

root=${GORILLA_APIZOO:-}
[ -n "$root" ] || { [ -n "${GORILLA_DATA:-}" ] && root=$GORILLA_DATA/../apizoo; }
if [ -n "$root" ] && [ -d "$root" ]; then
  expect_ok zoo-published "stripe.Charge.create" "$G" retrieve --api "$root" -k 3 "charge a customer's credit card"
  grep -qF "4164 APIZoo documents from 25 file(s); skipped 4 file(s), 0 entries" "$TMP/err" && pass zoo-published-counts \
    || fail zoo-published-counts "$(tail -1 "$TMP/err")"
else
  echo "SKIP zoo-published: no APIZoo folder (set GORILLA_APIZOO or GORILLA_DATA)"
fi
