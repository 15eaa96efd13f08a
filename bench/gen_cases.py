#!/usr/bin/env python3
"""Writes N generated transfer cases as JSONL (deterministic for a seed) for the batch benchmark:
varied destinations, volumes on both sides of the 2024 CAC thresholds, mechanisms, safeguards and
missing facts, plus one malformed line in every 1,000."""
import json, random, sys

def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 20241126)
    dests = ["DE", "FR", "US", "JP", "SG", "GB", "HK", "IN", "BR", "CH", "KR", "AU"]
    out = sys.stdout
    for i in range(n):
        if i % 1000 == 999:
            out.write('{"id": "bad-%d", "kind": "transfer", "date": "2025-02-30"}\n' % i)
            continue
        personal = rnd.choice([500, 9_999, 10_000, 50_000, 99_999, 100_000, 120_000, 1_000_000, 2_000_000])
        c = {
            "id": "gen-%d" % i,
            "kind": "transfer",
            "date": "2025-%02d-%02d" % (rnd.randint(1, 12), rnd.randint(1, 28)),
            "exporter": {"name": "Exporter %d" % (i % 97), "jurisdiction": rnd.choice(["CN", "CN-BJ", "CN-SH", "CN-GD"]),
                         "ciio": rnd.random() < 0.05, "in_ftz": rnd.random() < 0.1, "group": "g%d" % (i % 13)},
            "recipient": {"name": "Recipient %d" % (i % 89), "jurisdiction": rnd.choice(dests), "role": "controller"},
            "data": {"subjects": {"personal": personal, "sensitive_personal": min(personal, rnd.choice([0, 0, 0, 5_000, 10_000]))},
                     "important": rnd.random() < 0.03, "core": False, "subjects_in": ["CN"]},
            "purpose": rnd.choice(["other", "hr_management", "contract_with_subject"]),
            "mechanism": rnd.choice(["remote_access", "transmission", "cloud_storage"]),
            "transaction": rnd.choice(["intra_group", "customer_contract", "other"]),
            "safeguards": [{"type": "standard_contract", "status": "filed", "effective": "2025-01-05"}] if rnd.random() < 0.5 else [],
            "pia_done": rnd.random() < 0.8, "notice_given": True,
            "separate_consent": rnd.choice([True, False, None]),
        }
        if rnd.random() < 0.5:
            c["history"] = {"since_year_start": {"personal": rnd.choice([0, 40_000, 90_000]), "sensitive_personal": 0}}
        out.write(json.dumps(c, separators=(",", ":")) + "\n")

main()
