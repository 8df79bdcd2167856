#!/usr/bin/env python3
"""Push Synthea FHIR R4 bundles through Hearth's JSON API and report what landed.

For each bundle (*.json) in DIR: registers the Patient, then its Encounters, Conditions
(problems), AllergyIntolerances, vital-sign Observations, MedicationRequests (home medications),
Immunizations and Procedures through /api/v1, reads each back, and prints per resource type:

    sent / accepted as sent / accepted after changes / refused (with the first refusal reasons)

"Accepted as sent" means the API took the mapped record on the first try, nothing the source
said had to be left out for lack of a field, and the record read back equals what was sent.
"After changes" means it was accepted only after the script changed it (a retry without the
refused detail, a rounded value, an invented required field) or that something of the source
had no place in the API (listed as a loss). The mapping follows the API's own OpenAPI document
(GET /api/openapi.json): a field Hearth does not offer is not sent, so the script keeps working
as the record grows.

Python 3 standard library only. Interim tool: the FHIR issue's `hearth fhir import` replaces it.

    tools/synthea_push.py --base http://127.0.0.1:8080 --email doctor@demo.hearth \\
        --password 'Demo!Hearth2026' --totp-secret JBSWY3DPEHPK3PXP tests/data/synthea
    tools/synthea_push.py --client-id hc_... --client-secret ... DIR   # an API client (import scope)

Exit status: 0 when it ran (whatever was refused), 2 on usage or connection errors; with
--strict, 1 when anything was refused or changed.
"""

import argparse
import base64
import collections
import glob
import hashlib
import hmac
import json
import os
import struct
import sys
import time
import urllib.error
import urllib.request

TYPES = ["Patient", "Encounter", "Condition", "AllergyIntolerance", "Observation", "MedicationRequest",
         "Immunization", "Procedure"]


def totp(secret_b32, at=None):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    o = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.token = None
        self.calls = 0

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        for attempt in range(5):
            self.calls += 1
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    raw = r.read()
                    return r.status, (json.loads(raw) if raw else None)
            except urllib.error.HTTPError as e:
                raw = e.read()
                try:
                    doc = json.loads(raw) if raw else None
                except ValueError:
                    doc = {"detail": raw[:200].decode(errors="replace")}
                if e.code == 429 and attempt < 4:
                    time.sleep(min(60, int(e.headers.get("Retry-After") or 5)))
                    continue
                return e.code, doc
        return 429, {"detail": "rate limited"}


def problem_text(doc):
    if not isinstance(doc, dict):
        return str(doc)[:160]
    errs = doc.get("errors") or []
    if errs:
        return "; ".join("%s: %s" % (e.get("field"), e.get("message")) for e in errs)[:200]
    return str(doc.get("detail") or doc.get("title") or doc)[:200]


class Schema:
    """The request fields the API offers, from its OpenAPI document."""

    def __init__(self, doc):
        self.doc = doc or {}

    def _resolve(self, s):
        while isinstance(s, dict) and "$ref" in s:
            s = self.doc["components"]["schemas"][s["$ref"].split("/")[-1]]
        return s or {}

    def has(self, method, path):
        return method in self.doc.get("paths", {}).get(path, {})

    def fields(self, method, path):
        op = self.doc.get("paths", {}).get(path, {}).get(method)
        if not op:
            return None
        s = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        s = self._resolve(s)
        props = dict(s.get("properties", {}))
        for part in s.get("allOf", []):
            props.update(self._resolve(part).get("properties", {}))
        return props


# Documented in the operation's description rather than its schema.
ALWAYS = {"register_anyway"}


def fit(payload, fields, losses):
    """Keeps the fields the API offers; what the source said that has no field is a loss."""
    out = {}
    for k, v in payload.items():
        if v is None or v == "" or v == []:
            continue
        if fields is not None and (k in fields or k in ALWAYS):
            out[k] = v
        else:
            losses.append(k)
    return out


def code_of(cc, system_part=None):
    for c in (cc or {}).get("coding", []):
        if system_part is None or system_part in c.get("system", ""):
            return c
    return None


def text_of(cc):
    cc = cc or {}
    c = code_of(cc)
    return cc.get("text") or (c or {}).get("display") or ""


def system_name(url):
    url = url or ""
    for part, name in [("snomed", "snomed"), ("loinc", "loinc"), ("rxnorm", "rxnorm"), ("cvx", "cvx"),
                       ("icd-10", "icd10cm"), ("icd10", "icd10cm")]:
        if part in url:
            return name
    return url


def day(s):
    return (s or "")[:10] or None


def ref_id(ref):
    return ((ref or {}).get("reference") or "").replace("urn:uuid:", "").split("/")[-1]


def same(sent, back):
    """Fields of `sent` that read back differently (fields the answer does not carry are skipped)."""
    diff = []
    if not isinstance(back, dict):
        return diff
    for k, v in sent.items():
        if k not in back or isinstance(v, (list, dict)) or k in ("register_anyway", "record_anyway"):
            continue
        b = back[k]
        if isinstance(v, (int, float)) and isinstance(b, (int, float)):
            if abs(float(v) - float(b)) > 1e-9 * max(1.0, abs(float(v))):
                diff.append(k)
        elif isinstance(v, str) and isinstance(b, str):
            if not (b == v or (len(v) >= 10 and b[:len(v)].replace("T", " ") == v.replace("T", " "))
                    or b.replace("T", " ")[:16] == v.replace("T", " ")[:16]):
                diff.append(k)
        elif b != v:
            diff.append(k)
    return diff


class Tally:
    def __init__(self):
        self.rows = collections.OrderedDict((t, collections.Counter()) for t in TYPES)
        self.reasons = collections.defaultdict(collections.Counter)
        self.changes = collections.defaultdict(collections.Counter)
        self.notes = collections.Counter()  # follow-up calls after an accepted record

    def add(self, rtype, outcome, reason=None, n=1):
        self.rows[rtype]["sent"] += n
        self.rows[rtype][outcome] += n
        if reason and outcome == "refused":
            self.reasons[rtype][reason] += n
        elif reason:
            self.changes[rtype][reason] += n

    def table(self):
        lines = ["| resource | sent | accepted as sent | accepted after changes | refused | first refusal reasons |",
                 "| --- | ---: | ---: | ---: | ---: | --- |"]
        total = collections.Counter()
        for t, c in self.rows.items():
            total.update(c)
            reasons = "; ".join("%s (%d)" % (r, n) for r, n in self.reasons[t].most_common(2))
            lines.append("| %s | %d | %d | %d | %d | %s |" % (t, c["sent"], c["as_sent"], c["after_changes"],
                                                            c["refused"], reasons.replace("|", "/")))
        lines.append("| **all** | %d | %d | %d | %d | |" % (total["sent"], total["as_sent"], total["after_changes"],
                                                            total["refused"]))
        return "\n".join(lines)

    def change_table(self):
        lines = ["| resource | most frequent changes |", "| --- | --- |"]
        for t in TYPES:
            ch = "; ".join("%s (%d)" % (r, n) for r, n in self.changes[t].most_common(4))
            if ch:
                lines.append("| %s | %s |" % (t, ch.replace("|", "/")))
        return "\n".join(lines)


class Pusher:
    def __init__(self, api, schema, tally):
        self.api, self.schema, self.tally = api, schema, tally

    def send(self, rtype, path, attempts, readback=None, n=1, split=(), derived=None):
        """Posts the first attempt, then the fallbacks; each attempt is (payload, losses, change note).
        `n` source resources share the outcome; `split` are last-resort payloads sent one by one;
        `derived` are source values Hearth computes itself (not sent): kept when they read back equal.
        Returns (answer, payload) of the accepted one or (None, None)."""
        fields = self.schema.fields("post", path.template)
        if fields is None:
            self.tally.add(rtype, "refused", "no API endpoint (%s)" % path.template, n=n)
            return None, None
        first_reason = None
        for i, (payload, losses, note) in enumerate(attempts):
            lost = list(losses)
            body = fit(payload, fields, lost)
            status, doc = self.api.call("POST", path.real, body)
            if status in (200, 201):
                back = readback(doc) if readback else doc
                diff = same(body, back)
                for k, (v, tol) in (derived or {}).items():
                    b = back.get(k) if isinstance(back, dict) else None
                    if not isinstance(b, (int, float)) or abs(float(b) - float(v)) > tol:
                        lost.append(k)
                if i == 0 and not lost and not diff:
                    self.tally.add(rtype, "as_sent", n=n)
                else:
                    parts = (["not kept: " + ", ".join(sorted(set(lost)))] if lost else []) + (
                        ["read back differs: " + ", ".join(diff)] if diff else [])
                    why = note if i > 0 else "; ".join(parts)
                    self.tally.add(rtype, "after_changes", why, n=n)
                return doc, body
            if first_reason is None:
                first_reason = "%d %s" % (status, problem_text(doc))
        accepted = [self.api.call("POST", path.real, fit(one, fields, []))[0] in (200, 201) for one in split]
        if any(accepted):
            self.tally.add(rtype, "after_changes", "parameters sent one by one (%d of %d kept)"
                           % (sum(accepted), len(accepted)), n=n)
        else:
            self.tally.add(rtype, "refused", first_reason, n=n)
        return None, None


class P:
    def __init__(self, template, real):
        self.template, self.real = template, real


def patient_payload(r, record_race):
    name = next((n for n in r.get("name", []) if n.get("use") in (None, "official")), (r.get("name") or [{}])[0])
    given = name.get("given") or [""]
    addr = (r.get("address") or [{}])[0]
    lines = addr.get("line") or []
    phone = next((t.get("value") for t in r.get("telecom", []) if t.get("system") == "phone"), None)
    email = next((t.get("value") for t in r.get("telecom", []) if t.get("system") == "email"), None)
    ext = {e.get("url", "").rsplit("/", 1)[-1]: e for e in r.get("extension", [])}
    birth_sex = {"F": "female", "M": "male", "UNK": "unknown"}.get((ext.get("us-core-birthsex") or {}).get("valueCode"))

    def ext_text(key):
        for e in (ext.get(key) or {}).get("extension", []):
            if e.get("url") == "text":
                return e.get("valueString")
        return None

    kinds = {"MR": "previous_mrn", "DL": "driving_licence", "PPN": "passport", "SS": "national_health",
             "SB": "national_health", "NI": "national_health", "MB": "insurance_member"}
    identifiers = []
    for i in r.get("identifier", []):
        code = (code_of(i.get("type")) or {}).get("code")
        identifiers.append({"kind": kinds.get(code, "other"), "issuer": i.get("system"), "value": i.get("value")})
    names = []
    uses = {"maiden": "maiden", "nickname": "nickname", "old": "old", "usual": "usual", "temp": "temp",
            "anonymous": "anonymous"}
    for n in r.get("name", []):
        if n is name:
            continue
        names.append({"use": uses.get(n.get("use"), "usual"), "given": " ".join(n.get("given") or []) or None,
                      "family": n.get("family")})
    p = {
        "given_name": given[0], "middle_name": " ".join(given[1:]) or None, "family_name": name.get("family"),
        "name_prefix": " ".join(name.get("prefix") or []) or None,
        "sex": r.get("gender") if r.get("gender") in ("female", "male", "other", "unknown") else "unknown",
        "birth_date": r.get("birthDate"), "phone": phone, "email": email,
        "address": lines[0] if lines else None, "address_line2": ", ".join(lines[1:]) or None,
        "city": addr.get("city"), "district": addr.get("district"), "state": addr.get("state"),
        "postcode": addr.get("postalCode"), "country": addr.get("country"),
        "birth_sex": birth_sex, "marital_status": (code_of(r.get("maritalStatus")) or {}).get("code"),
        "identifiers": identifiers, "names": names,
        "deceased_at": r.get("deceasedDateTime"),
        "register_anyway": True,
    }
    if record_race:
        p["race"], p["ethnicity"] = ext_text("us-core-race"), ext_text("us-core-ethnicity")
    return p


# A second active entry with the same code (a recurring condition in the source) needs a reason.
DUP = {"record_anyway": True, "duplicate_reason": "Recorded again in the source system (Synthea import)."}
DUP_NOTE = "recorded as a repeat with a reason"

VITALS = {  # LOINC -> Hearth field
    "8310-5": "temperature_c", "8331-1": "temperature_c", "8302-2": "height_cm", "29463-7": "weight_kg",
    "8867-4": "pulse", "9279-1": "resp_rate", "59408-5": "spo2", "2708-6": "spo2", "72514-3": "pain",
    "8480-6": "bp_systolic", "8462-4": "bp_diastolic",
}


BMI = "39156-5"


def push_bundle(path, pusher, args):
    api, schema, tally = pusher.api, pusher.schema, pusher.tally
    bundle = json.load(open(path))
    by_type = collections.defaultdict(list)
    for e in bundle.get("entry", []):
        r = e.get("resource", {})
        by_type[r.get("resourceType")].append(r)
    practitioners = {r.get("id"): practitioner_name(r) for r in by_type.get("Practitioner", [])}
    patients = by_type.get("Patient", [])
    if not patients:
        return
    src = patients[0]
    record_race = schema.fields("post", "/api/v1/patients") is not None and "race" in schema.fields(
        "post", "/api/v1/patients")
    first = patient_payload(src, record_race)
    without_race = dict(first)
    without_race.pop("race", None)
    without_race.pop("ethnicity", None)
    attempts = [(first, [], None),
                (without_race, ["race", "ethnicity"], "race/ethnicity not recorded here"),
                (dict(without_race, identifiers=[], names=[]), ["identifiers", "names"], "without other identifiers/names")]

    def read_patient(doc):
        if not doc or "id" not in doc:
            return doc
        s, back = api.call("GET", "/api/v1/patients/%s" % doc["id"])
        return back if s == 200 else doc
    created, _ = pusher.send("Patient", P("/api/v1/patients", "/api/v1/patients"), attempts, read_patient)
    if not created:
        for t in TYPES[1:]:
            rs = by_type.get(t, [])
            if t == "Observation":
                rs = [o for o in rs if is_vital(o)]
            if rs:
                tally.add(t, "refused", "patient not registered", n=len(rs))
        return
    pid = created["id"]
    base = "/api/v1/patients/%s" % pid
    tpl = "/api/v1/patients/{id}"
    enc_ids = {}

    def collection(kind):
        return lambda doc: find_back(api, base + "/" + kind, doc)

    # Encounters, oldest first, finished with their real end where the API takes it.
    kinds = {"AMB": "outpatient", "EMER": "emergency", "IMP": "inpatient", "ACUTE": "inpatient", "VR": "virtual",
             "HH": "home_visit", "WELL": "outpatient"}
    st_fields = schema.fields("post", tpl + "/encounters/{item}/status") or {}
    for r in sorted(by_type.get("Encounter", []), key=lambda r: (r.get("period") or {}).get("start", "")):
        period = r.get("period") or {}
        cls = (r.get("class") or {}).get("code")
        reason = ": ".join(t for t in (text_of((r.get("type") or [{}])[0]),
                                       text_of((r.get("reasonCode") or [{}])[0])) if t)
        payload = {"kind": kinds.get(cls, "outpatient"), "reason": reason,
                   "starts_at": period.get("start"), "status": "in_progress" if r.get("status") == "finished" else "arrived",
                   "ends_at": period.get("end")}
        fields = schema.fields("post", tpl + "/encounters") or {}
        losses = []
        end_field = next((f for f in ("date", "ends_at", "ended_at", "end", "at", "ends") if f in st_fields), None)
        if r.get("status") == "finished" and "ends_at" not in fields:
            payload.pop("ends_at")
            if not end_field:
                losses.append("period.end")
        doc, sent = pusher_send_quiet(pusher, "Encounter", P(tpl + "/encounters", base + "/encounters"),
                                      [(payload, losses, None)])
        if not doc:
            continue
        eid = doc.get("id")
        enc_ids[r.get("id")] = eid
        if r.get("status") == "finished" and "ends_at" not in fields:
            body = {"status": "finished"}
            if end_field:
                body[end_field] = period.get("end")
            s, d = api.call("POST", base + "/encounters/%s/status" % eid, body)
            if s not in (200, 201, 204):
                body["status"] = "completed"
                s, d = api.call("POST", base + "/encounters/%s/status" % eid, body)
            if s not in (200, 201, 204):
                losses.append("status finished (%d %s)" % (s, problem_text(d)))
            elif end_field:
                back = d if isinstance(d, dict) and "ended_at" in d else find_back(api, base + "/encounters", doc)
                got = (back or {}).get("ended_at")
                if got is None or same({"ended_at": period.get("end")}, {"ended_at": got}):
                    losses.append("period.end read back as %s" % got)
        back = find_back(api, base + "/encounters", doc)
        final = "finished" if r.get("status") == "finished" else sent.get("status")
        diff = same(dict(sent, status=final), back)
        if diff:
            losses.append("read back differs: " + ", ".join(diff))
        pusher_settle(pusher, "Encounter", losses)

    # Conditions -> problems.
    for r in by_type.get("Condition", []):
        c = code_of(r.get("code")) or {}
        status = (code_of(r.get("clinicalStatus")) or {}).get("code")
        p = {"system": c.get("system"), "code": c.get("code"), "display": text_of(r.get("code")),
             "icd_code": c.get("code") if "icd-10-cm" in c.get("system", "") else None,
             "recorded_at": r.get("recordedDate"),
             "onset_date": day(r.get("onsetDateTime")),
             "status": "resolved" if status in ("resolved", "inactive") else "active",
             "resolved_date": day(r.get("abatementDateTime")),
             "encounter_id": enc_ids.get(ref_id(r.get("encounter")))}
        fields = schema.fields("post", tpl + "/problems") or {}
        if "icd_code" in fields and "code" not in fields and "system" not in fields:
            # An older API: only ICD-10-CM; send the source code there and let the API judge it.
            p["icd_code"] = p["icd_code"] or c.get("code")
            p.pop("code"), p.pop("system"), p.pop("display")
        if "resolved_date" not in fields:
            for alt in ("resolved_on", "abatement_date", "resolution_date", "end_date"):
                if alt in fields:
                    p[alt] = p.pop("resolved_date")
                    break
        pusher.send("Condition", P(tpl + "/problems", base + "/problems"), [(p, [], None), (dict(p, **DUP), [], DUP_NOTE)],
                    collection("problems"))

    # AllergyIntolerance.
    for r in by_type.get("AllergyIntolerance", []):
        reactions = [{"manifestation": text_of((x.get("manifestation") or [{}])[0]), "severity": x.get("severity")}
                     for x in r.get("reaction") or []]
        clinical = (code_of(r.get("clinicalStatus")) or {}).get("code")
        p = {"substance": text_of(r.get("code")), "kind": r.get("type") or "allergy",
             "category": (r.get("category") or [None])[0],
             "criticality": r.get("criticality"),
             "verification_status": (code_of(r.get("verificationStatus")) or {}).get("code"),
             # active is Hearth's default; another clinical status would need a status change (none in the sample)
             "clinical_status": clinical if clinical not in (None, "active") else None,
             "reactions": reactions,
             "recorded_at": r.get("recordedDate"), "onset_date": day(r.get("onsetDateTime")),
             "encounter_id": enc_ids.get(ref_id(r.get("encounter"))),
             "system": (code_of(r.get("code")) or {}).get("system"),
             "code": (code_of(r.get("code")) or {}).get("code")}
        guess = {"high": "severe", "low": "mild"}.get(r.get("criticality"), "moderate")
        attempts = [(p, [], None), (dict(p, **DUP), [], DUP_NOTE),
                    (dict(p, severity=guess), [], "severity invented from criticality"),
                    (dict(p, severity=guess, **DUP), [], "severity invented from criticality; " + DUP_NOTE)]
        pusher.send("AllergyIntolerance", P(tpl + "/allergies", base + "/allergies"), attempts,
                    collection("allergies"))

    # Vital-sign observations, one set per time (and encounter).
    sets = collections.OrderedDict()
    for r in by_type.get("Observation", []):
        if not is_vital(r):
            continue
        key = (r.get("effectiveDateTime"), ref_id(r.get("encounter")))
        sets.setdefault(key, []).append(r)
    for (at, enc), obs in sets.items():
        values, n, derived = {}, len(obs), {}
        for o in obs:
            if (code_of(o.get("code"), "loinc") or {}).get("code") == BMI and "valueQuantity" in o:
                # Hearth computes BMI from the set's weight and height (shown to 0.1).
                derived["bmi"] = (o["valueQuantity"].get("value"), 0.05)
            code = (code_of(o.get("code"), "loinc") or {}).get("code")
            if code in VITALS and "valueQuantity" in o:
                values[VITALS[code]] = o["valueQuantity"].get("value")
            for comp in o.get("component", []):
                cc = (code_of(comp.get("code"), "loinc") or {}).get("code")
                if cc in VITALS and "valueQuantity" in comp:
                    values[VITALS[cc]] = comp["valueQuantity"].get("value")
        unmapped = [o for o in obs if not vital_mapped(o)]
        p = dict(values, taken_at=at, encounter_id=enc_ids.get(enc))
        rounded = {k: (round(v) if isinstance(v, float) and k in ("bp_systolic", "bp_diastolic", "pain", "pulse",
                                                                     "resp_rate") else v) for k, v in p.items()}
        split = [{"taken_at": at, k: v} for k, v in rounded.items() if k not in ("taken_at", "encounter_id")]
        attempts = [(p, ["unmapped code"] if unmapped else [], None),
                    (rounded, [], "values rounded to whole numbers")]
        pusher.send("Observation", P(tpl + "/vitals", base + "/vitals"), attempts, collection("vitals"), n=n,
                    split=split if len(split) > 1 else (), derived=derived)

    # MedicationRequest -> home medications.
    for r in by_type.get("MedicationRequest", []):
        cc = r.get("medicationCodeableConcept") or {}
        c = code_of(cc) or {}
        dose = (r.get("dosageInstruction") or [{}])[0]
        rep = (dose.get("timing") or {}).get("repeat") or {}
        freq = "as needed" if dose.get("asNeededBoolean") else (
            "%s times per %s %s" % (rep.get("frequency"), rep.get("period"), rep.get("periodUnit")) if rep else None)
        qty = ((dose.get("doseAndRate") or [{}])[0].get("doseQuantity") or {}).get("value")
        rx = "rxnorm" in c.get("system", "")
        p = {"name": text_of(cc), "code_system": None if rx else system_name(c.get("system")),
             "code": None if rx else c.get("code"), "rxnorm_code": c.get("code") if rx else None,
             "recorded_at": r.get("authoredOn"), "source_author": practitioners.get(ref_id(r.get("requester"))),
             "start_date": day(r.get("authoredOn")), "frequency": freq,
             "dose": (str(qty) if qty is not None else None), "encounter_id": enc_ids.get(ref_id(r.get("encounter")))}
        doc, _ = pusher.send("MedicationRequest", P(tpl + "/medications", base + "/medications"), [(p, [], None)],
                             collection("medications"))
        if doc and r.get("status") in ("stopped", "completed"):
            # Synthea's MedicationRequest carries no stop date (no dispense validity period either):
            # recorded as stopped on an unknown day where the API can say so, else on the import day.
            unknown = "date_unknown" in (schema.fields("post", tpl + "/medications/{item}/status") or {})
            body = {"status": "stopped", "reason": "imported as stopped"}
            if unknown:
                body["date_unknown"] = True
            s, d = api.call("POST", base + "/medications/%s/status" % doc.get("id"), body)
            if s not in (200, 201, 204):
                tally.notes["MedicationRequest stop refused: %d %s" % (s, problem_text(d))] += 1
            elif not unknown:
                tally.notes["MedicationRequest stopped without a date in the source (stop date = import day)"] += 1

    # Immunizations.
    for r in by_type.get("Immunization", []):
        c = code_of(r.get("vaccineCode"), "cvx") or {}
        at = r.get("occurrenceDateTime") or ""
        p = {"cvx": c.get("code"), "occurred_on": day(at), "occurred_time": at[11:16] or None,
             "reported": True, "status": "completed" if r.get("status") == "completed" else "not_done",
             "lot_number": r.get("lotNumber"), "site": text_of(r.get("site")) or None,
             "encounter_id": enc_ids.get(ref_id(r.get("encounter")))}
        pusher.send("Immunization", P(tpl + "/immunizations", base + "/immunizations"), [(p, [], None)],
                    collection("immunizations"))

    # Procedures (a procedure history, where the API has one).
    for r in by_type.get("Procedure", []):
        c = code_of(r.get("code")) or {}
        per = r.get("performedPeriod") or {}
        p = {"system": c.get("system"), "code": c.get("code"), "display": text_of(r.get("code")),
             "performed_start": per.get("start") or r.get("performedDateTime"), "performed_end": per.get("end"),
             "status": r.get("status"), "encounter_id": enc_ids.get(ref_id(r.get("encounter")))}
        pusher.send("Procedure", P(tpl + "/procedures", base + "/procedures"), [(p, [], None)],
                    collection("procedures"))


def practitioner_name(r):
    n = (r.get("name") or [{}])[0]
    return " ".join(n.get("prefix", []) + n.get("given", []) + [n.get("family") or ""]).strip() or None


def is_vital(o):
    return any(code_of(c, "observation-category") and code_of(c, "observation-category").get("code") == "vital-signs"
               for c in o.get("category", []))


def vital_mapped(o):
    code = (code_of(o.get("code"), "loinc") or {}).get("code")
    return code in VITALS or code in ("85354-9", "55284-4", BMI)


def pusher_send_quiet(pusher, rtype, path, attempts):
    """Posts without counting yet: the outcome is settled by pusher_settle (after a status change)."""
    fields = pusher.schema.fields("post", path.template)
    if fields is None:
        pusher._pending = ("refused", "no API endpoint (%s)" % path.template)
        return None, None
    payload, losses, _ = attempts[0]
    lost = list(losses)
    body = fit(payload, fields, lost)
    losses[:] = lost
    status, doc = pusher.api.call("POST", path.real, body)
    if status in (200, 201):
        pusher._pending = None
        return doc, body
    pusher._pending = ("refused", "%d %s" % (status, problem_text(doc)))
    pusher_settle(pusher, rtype, [])
    return None, None


def pusher_settle(pusher, rtype, losses):
    pending = getattr(pusher, "_pending", None)
    if pending:
        pusher.tally.add(rtype, pending[0], pending[1])
    elif losses:
        pusher.tally.add(rtype, "after_changes", "not kept: " + ", ".join(sorted(set(losses))))
    else:
        pusher.tally.add(rtype, "as_sent")
    pusher._pending = None


def find_back(api, path, doc):
    """The created item as the collection lists it (falls back to the POST answer)."""
    if not isinstance(doc, dict) or "id" not in doc:
        return doc
    s, page = api.call("GET", path + "?limit=100")
    items = page.get("items", page) if isinstance(page, dict) else page
    if s == 200 and isinstance(items, list):
        for it in items:
            if isinstance(it, dict) and it.get("id") == doc["id"]:
                return it
    return doc


def sign_in(api, args):
    if args.token:
        api.token = args.token
        return
    if args.client_id:
        body = {"grant_type": "client_credentials", "client_id": args.client_id, "client_secret": args.client_secret}
    else:
        body = {"email": args.email, "password": args.password}
        if args.totp_secret:
            body["totp"] = totp(args.totp_secret)
    status, doc = api.call("POST", "/api/v1/auth/token", body)
    if status != 200:
        sys.exit("sign-in failed: %d %s" % (status, problem_text(doc)))
    api.token = doc["access_token"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", help="directory of Synthea FHIR R4 bundles (*.json)")
    ap.add_argument("--base", default=os.environ.get("HEARTH_URL", "http://127.0.0.1:8080"))
    ap.add_argument("--email", default="doctor@demo.hearth")
    ap.add_argument("--password", default=os.environ.get("HEARTH_PASSWORD", "Demo!Hearth2026"))
    ap.add_argument("--totp-secret", default=os.environ.get("HEARTH_TOTP_SECRET", "JBSWY3DPEHPK3PXP"),
                    help="base32 TOTP secret of the account ('' for an account without MFA)")
    ap.add_argument("--client-id")
    ap.add_argument("--client-secret")
    ap.add_argument("--token", help="a bearer token already issued")
    ap.add_argument("--limit", type=int, default=0, help="push at most this many bundles")
    ap.add_argument("--strict", action="store_true", help="exit 1 unless everything was accepted as sent")
    args = ap.parse_args()
    files = sorted(glob.glob(os.path.join(args.dir, "*.json")))
    if args.limit:
        files = files[:args.limit]
    if not files:
        sys.exit("no *.json bundles in %s" % args.dir)
    api = Api(args.base)
    try:
        status, doc = api.call("GET", "/api/openapi.json")
    except urllib.error.URLError as e:
        print("cannot reach %s: %s" % (args.base, e), file=sys.stderr)
        return 2
    sign_in(api, args)
    tally = Tally()
    pusher = Pusher(api, Schema(doc if status == 200 else {}), tally)
    started = time.time()
    for f in files:
        push_bundle(f, pusher, args)
        print("pushed %s" % os.path.basename(f), file=sys.stderr)
    print("%d bundles, %d API calls, %.0f s, against %s\n" % (len(files), api.calls, time.time() - started, args.base))
    print(tally.table())
    print()
    print(tally.change_table())
    for note, n in tally.notes.most_common():
        print("\n- %s (%d)" % (note, n), end="")
    print()
    if args.strict:
        c = sum(tally.rows.values(), collections.Counter())
        return 1 if c["refused"] or c["after_changes"] else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
