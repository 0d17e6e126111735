#!/usr/bin/env python3
"""bench/precheckout.py — how fast Telegram's pre_checkout_query is answered while the service
is under the bench's load (issue 18: Telegram waits at most 10 s for the answer). Run by
bench/run.sh beside the first measured round: posts N pre_checkout_query updates, one every
INTERVAL seconds on a connection of its own, each for a package on offer, and times each until
the webhook's reply (which carries answerPreCheckoutQuery) is read. Writes p50/p99/max in ms.

    bench/precheckout.py PORT SECRET N INTERVAL OUT.json
"""
import http.client
import json
import sys
import time

PACK = (100, 50)  # the first of the service's default BILLING_PACKS: 100 credits for 50 Stars


def main():
    port, secret, n, interval, out = (int(sys.argv[1]), sys.argv[2], int(sys.argv[3]),
                                      float(sys.argv[4]), sys.argv[5])
    times, refused, errors = [], 0, 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    for i in range(n):
        user = 3_000_000_000 + i
        update = {"update_id": 900_000_000 + i,
                  "pre_checkout_query": {
                      "id": "bench%d" % i,
                      "from": {"id": user, "is_bot": False, "first_name": "Bench",
                               "language_code": "en"},
                      "currency": "XTR", "total_amount": PACK[1],
                      "invoice_payload": "pack:%d:%d:%d" % (PACK[0], PACK[1], user)}}
        body = json.dumps(update)
        started = time.monotonic()
        try:
            conn.request("POST", "/telegram/webhook", body,
                         {"Content-Type": "application/json",
                          "X-Telegram-Bot-Api-Secret-Token": secret})
            resp = conn.getresponse()
            reply = resp.read()
            took = time.monotonic() - started
            answer = json.loads(reply or b"{}")
            if resp.status != 200 or answer.get("method") != "answerPreCheckoutQuery":
                errors += 1
            else:
                times.append(took * 1000)
                refused += 0 if answer.get("ok") else 1
        except (OSError, http.client.HTTPException, ValueError):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
    times.sort()

    def rank(q):
        return times[min(len(times) - 1, int(q * len(times)))] if times else None

    result = {"n": n, "answered": len(times), "refused": refused, "errors": errors,
              "p50_ms": rank(0.50), "p99_ms": rank(0.99), "max_ms": times[-1] if times else None}
    json.dump(result, open(out, "w"))
    print("pre-checkout under load: %d answered (%d refused, %d errors), p50 %.1f ms, p99 %.1f ms,"
          " max %.1f ms" % (len(times), refused, errors, result["p50_ms"] or 0,
                            result["p99_ms"] or 0, result["max_ms"] or 0), file=sys.stderr)


if __name__ == "__main__":
    main()
