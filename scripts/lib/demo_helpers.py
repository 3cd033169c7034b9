#!/usr/bin/env python3
"""The quickstart demo's helpers (scripts/demo.sh): JSON work that bash
cannot do safely. Each subcommand talks to the local services directly
(urllib, no proxy):

    python3 scripts/lib/demo_helpers.py SUBCOMMAND ARGS...
"""
import collections, json, sys, time, urllib.error, urllib.request

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(method, url, body=None, headers=None, ok=(200, 201)):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None and not req.has_header("Content-type"):
        req.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(req, timeout=120) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        status, hdrs, text = e.code, dict(e.headers), e.read().decode()
    except OSError as e:  # refused, timed out, ...
        sys.exit(f"{method} {url}: {e}")
    if status not in ok:
        sys.exit(f"{method} {url}: HTTP {status}: {text[:500]}")
    return status, hdrs, text


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


ITEM_EVENTS = ("view", "click", "cart", "purchase")


def cmd_index(engine, index, catalog_path):
    """(Re)creates the product index with vectors excluded from _source and
    index.knn on, and indexes the catalog as rerank-train would."""
    status, _, _ = http("HEAD", f"{engine}/{index}", ok=(200, 404))
    if status == 200:
        http("DELETE", f"{engine}/{index}")
    # No periodic refresh until the vectors are in: one segment from the bulk
    # load, one from index-sync's updates, each written in catalog order, so
    # ties in BM25 and the k-NN graph come out the same on every run.
    settings = {"settings": {"number_of_shards": 1, "number_of_replicas": 0, "index.knn": True,
                             "refresh_interval": "-1"},
                "mappings": {"_source": {"excludes": ["rr_vector*"]},
                             "properties": {"title": {"type": "text"},
                                            "description": {"type": "text"},
                                            "brand": {"type": "text"},
                                            "category": {"type": "text"},
                                            "price": {"type": "float"}}}}
    http("PUT", f"{engine}/{index}", json.dumps(settings))
    catalog = jsonl(catalog_path)
    for start in range(0, len(catalog), 500):
        lines = []
        for p in catalog[start:start + 500]:
            doc = {k: p.get(k, "") for k in ("title", "description", "brand", "category")}
            if p.get("price") is not None:
                doc["price"] = p["price"]
            lines.append(json.dumps({"index": {"_id": str(p["id"])}}))
            lines.append(json.dumps(doc))
        _, _, text = http("POST", f"{engine}/{index}/_bulk", "\n".join(lines) + "\n",
                          {"Content-Type": "application/x-ndjson"})
        answer = json.loads(text)
        if answer.get("errors"):
            bad = next(i for i in answer["items"] if "error" in i["index"])
            sys.exit(f"bulk indexing failed: {json.dumps(bad)[:500]}")
    http("POST", f"{engine}/{index}/_refresh")
    _, _, text = http("GET", f"{engine}/{index}/_count")
    count = json.loads(text)["count"]
    if count != len(catalog):
        sys.exit(f"{index} holds {count} documents, the catalog {len(catalog)}")
    print(count)


def cmd_pick(kind, data_dir, out_path):
    """Chooses shoppers A and B with clearly different tastes and a query
    both would type; writes them (and their hidden preferences) as JSON."""
    events = jsonl(f"{data_dir}/events.jsonl")
    catalog = {str(p["id"]): p for p in jsonl(f"{data_dir}/catalog.jsonl")}
    items_by_user = collections.defaultdict(list)
    queries_by_user = collections.defaultdict(collections.Counter)
    for e in events:
        if e["type"] in ITEM_EVENTS and str(e.get("item")) in catalog:
            items_by_user[e["user"]].append(catalog[str(e["item"])])
        elif e["type"] == "search":
            queries_by_user[e["user"]][e["query"]] += 1
    if kind == "sim":
        truth = {u["user"]: u for u in json.load(open(f"{data_dir}/truth.json"))["users"]}

        def strength(u):  # interactions that show the hidden brand
            t = truth[u]
            return sum(1 for p in items_by_user[u]
                       if p["brand"] == t["brand"] and p["category"] == t["category"])

        # The category with the most searches; in it the shopper whose history
        # shows their brand best, and the best one with another brand and the
        # opposite price band.
        searches = collections.Counter()
        for u, qs in queries_by_user.items():
            if u in truth:
                searches[truth[u]["category"]] += sum(qs.values())
        category = min(searches, key=lambda c: (-searches[c], c))
        users = sorted((u for u in truth if truth[u]["category"] == category),
                       key=lambda u: (-strength(u), u))
        a = next(u for u in users if truth[u]["price_band"] != "mid")
        opposite = "high" if truth[a]["price_band"] == "low" else "low"
        b = next(u for u in users
                 if truth[u]["brand"] != truth[a]["brand"] and truth[u]["price_band"] == opposite)
        # The generic word for the category: its most frequent one-word query.
        words = collections.Counter()
        for u in users:
            for q, n in queries_by_user[u].items():
                if " " not in q:
                    words[q] += n
        query = min(words, key=lambda q: (-words[q], q))
        prefs = {u: {"brand": truth[u]["brand"], "category": truth[u]["category"],
                     "price_band": truth[u]["price_band"],
                     "price": [truth[u]["price_min"], truth[u]["price_max"]]} for u in (a, b)}
    else:
        # No hidden truth: the two busiest shoppers whose favourite brands differ,
        # and the log's most frequent query.
        def favourite(u):
            c = collections.Counter(p.get("brand") or "?" for p in items_by_user[u])
            return min(c, key=lambda k: (-c[k], k))

        users = sorted(items_by_user, key=lambda u: (-len(items_by_user[u]), u))
        a = users[0]
        b = next(u for u in users[1:] if favourite(u) != favourite(a))
        total = collections.Counter()
        for qs in queries_by_user.values():
            total.update(qs)
        query = min(total, key=lambda q: (-total[q], q))
        prefs = {u: {"brand": favourite(u), "category": None, "price_band": None, "price": None}
                 for u in (a, b)}
    with open(out_path, "w") as f:
        json.dump({"a": a, "b": b, "query": query, "prefs": prefs}, f)
    print(a, b, query)


def cmd_events(rerankd, storefront, data_dir, picked_path):
    """Posts A's and B's item histories (their latest 50 events, the profile
    store's cap) to /_rerank/events, moved in time to end a minute ago."""
    picked = json.load(open(picked_path))
    events = jsonl(f"{data_dir}/events.jsonl")
    now = int(time.time() * 1000)
    run = str(now)
    lines = []
    for user in (picked["a"], picked["b"]):
        mine = [e for e in events if e["user"] == user and e["type"] in ITEM_EVENTS][-50:]
        shift = now - 60_000 - mine[-1]["ts"]  # keep the spacing, end a minute ago
        for i, e in enumerate(mine):
            lines.append(json.dumps({"event_id": f"demo-{run}-{user}-{i}", "storefront": storefront,
                                     "user_id": user, "session_id": e.get("session", ""),
                                     "type": e["type"], "item_id": str(e["item"]),
                                     "ts": e["ts"] + shift}))
        first = (mine[0]["ts"] + shift - now) / 86_400_000
        kinds = collections.Counter(e["type"] for e in mine)
        print(f"  {user}: {len(mine)} events ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}),"
              f" spanning the last {-first:.1f} days")
    _, _, text = http("POST", f"{rerankd}/_rerank/events", "\n".join(lines) + "\n",
                      {"Content-Type": "application/x-ndjson"})
    answer = json.loads(text)
    if answer.get("errors") or answer.get("accepted") != len(lines):
        bad = [i for i in answer.get("items", []) if i.get("result") != "accepted"][:3]
        sys.exit(f"/_rerank/events accepted {answer.get('accepted')} of {len(lines)}: {bad}")
    print(f"  accepted {answer['accepted']} of {len(lines)}")


def fmt_price(p):
    return f"${p:,.2f}" if isinstance(p, (int, float)) else "-"


def cmd_show(engine, rerankd, index, picked_path, query):
    picked = json.load(open(picked_path))
    a, b, prefs = picked["a"], picked["b"], picked["prefs"]
    body = json.dumps({"size": 5, "query": {"multi_match": {
        "query": query, "fields": ["title", "description", "brand", "category"]}}})
    columns = []
    _, _, text = http("POST", f"{engine}/{index}/_search", body)
    columns.append(("OpenSearch alone", None, json.loads(text), {}))
    for label, user in (("A", a), ("B", b)):
        _, hdrs, text = http("POST", f"{rerankd}/{index}/_search", body, {"X-User-Id": user})
        columns.append((f"rerankd, shopper {label}", user, json.loads(text), hdrs))

    def describe(user):
        p = prefs[user]
        if not p.get("category"):  # a real log: only what the history shows
            return f"favourite brand in their history {p['brand']}"
        parts = [f"hidden preference brand {p['brand']}"]
        if p.get("category"):
            parts.append(f"category {p['category']}")
        if p.get("price_band"):
            parts.append(f"price band {p['price_band']} ({fmt_price(p['price'][0])}-{fmt_price(p['price'][1])})")
        return ", ".join(parts)

    def in_band(user, price):
        band = prefs[user].get("price")
        return bool(band) and isinstance(price, (int, float)) and band[0] <= price <= band[1]

    print(f"Query: \"{query}\"   (the same request body to OpenSearch and to rerankd)")
    print(f"  shopper A = {a}: {describe(a)}")
    print(f"  shopper B = {b}: {describe(b)}")
    bands = ", $ in their price band" if prefs[a].get("price") else ""
    print(f"  marks: * the shopper's brand{bands}; A / B (first column): A's / B's brand")
    print()
    width = 44
    cells = []
    for title, user, resp, _ in columns:
        hits = resp["hits"]["hits"][:5]
        col = [title, "-" * width]
        for rank, h in enumerate(hits, 1):
            s = h.get("_source", {})
            if any(k.startswith("rr_vector") for k in s):
                sys.exit(f"a vector field reached _source in {title}: the index lacks _source.excludes")
            if user:
                mark = ("*" if s.get("brand") == prefs[user]["brand"] else " ") + \
                       ("$" if in_band(user, s.get("price")) else " ")
            else:
                mark = "".join(who if s.get("brand") == prefs[u]["brand"] else " "
                               for u, who in ((a, "A"), (b, "B")))
            t = s.get("title", "?")
            t = t if len(t) <= width - 6 else t[:width - 9] + "..."
            col.append(f"{rank}. {mark} {t}")
            col.append(f"        {s.get('brand', '?')}, {fmt_price(s.get('price'))}")
        brands = [h.get("_source", {}).get("brand") for h in hits]
        if user:
            col.append(f"   own brand in top 5: {brands.count(prefs[user]['brand'])}")
        else:
            col.append(f"   A's brand: {brands.count(prefs[a]['brand'])}, B's brand: {brands.count(prefs[b]['brand'])}")
        cells.append(col)
    height = max(len(c) for c in cells)
    for c in cells:
        c += [""] * (height - len(c))
    for row in zip(*cells):
        print("  ".join(f"{x:<{width}}" for x in row).rstrip())
    print()
    for title, user, _, hdrs in columns[1:]:
        h = {k.lower(): v for k, v in hdrs.items()}
        print(f"{title}: X-Rerank: {h.get('x-rerank', '(none)')}")
        print(f"  X-Rerank-Model: {h.get('x-rerank-model', '-')}, X-Rerank-Vectors: {h.get('x-rerank-vectors', '-')},"
              f" X-Rerank-Extra: {h.get('x-rerank-extra', '-')}, X-Rerank-Clicked: {h.get('x-rerank-clicked', '-')}")
        print(f"  X-Rerank-Timing: {h.get('x-rerank-timing', '-')}")
        if not h.get("x-rerank", "").startswith("applied"):
            sys.exit(f"rerankd did not rerank the search for {user}: X-Rerank {h.get('x-rerank')}")


def cmd_quote(text):
    print(json.dumps(text))


def cmd_figures(eval_json):
    r = json.load(open(eval_json))
    s = r["systems"]
    print(f"  {'system':<26} {'NDCG@10 (all)':>15} {'users with history':>20}")
    for name in s:
        print(f"  {name:<26} {s[name]['all']['ndcg10']['mean']:>15.3f}"
              f" {s[name]['with_history']['ndcg10']['mean']:>20.3f}")
    d = r["model_minus_engine_ndcg10"]
    print(f"  model - engine: {d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}] over"
          f" {r['queries']} test searches ({r['with_history']} by shoppers with earlier events)")
    d = r["model_minus_no_history_ndcg10_with_history"]
    print(f"  model - model_no_history (shoppers with earlier events): {d['mean']:+.3f}"
          f" [{d['low']:+.3f}, {d['high']:+.3f}]")


getattr(sys.modules[__name__], "cmd_" + sys.argv[1])(*sys.argv[2:])
