# pysal/access's enhanced_two_stage_fca semantics in plain Python (pysal/access is not packaged in
# Debian): weight = step_fn({10: 1, 20: 0.68, 30: 0.22}) (cost <= key; "left" uses cost < key),
# no max_cost, R_j = S_j / sum_i W_ij P_i, A_i = sum_j W_ij R_j. Run by bench/step_closure.sh in
# the folder holding od.csv, demand.csv, supply.csv, e2_left.csv and e2_right.csv.
import csv
ids = [r['id'] for r in csv.DictReader(open('demand.csv'))]
ix = {c: i for i, c in enumerate(ids)}
n = len(ids)
P = [0.0] * n
for r in csv.DictReader(open('demand.csv')): P[ix[r['id']]] = float(r['population'])
S = [0.0] * n
for r in csv.DictReader(open('supply.csv')): S[ix[r['id']]] = float(r['supply'])
pairs = [(ix[r['from_id']], ix[r['to_id']], float(r['minutes'])) for r in csv.DictReader(open('od.csv'))]
steps = [(10, 1.0), (20, 0.68), (30, 0.22)]
def w_right(t): return next((v for k, v in steps if t <= k), 0.0)
def w_left(t): return next((v for k, v in steps if t < k), 0.0)
res = {}
for name, f in [('right', w_right), ('left', w_left)]:
    den = [0.0] * n
    ws = [f(t) for _, _, t in pairs]
    for (o, d, _), w in zip(pairs, ws): den[d] += w * P[o]
    R = [S[j] / den[j] if den[j] > 0 else 0.0 for j in range(n)]
    A = [0.0] * n
    for (o, d, _), w in zip(pairs, ws): A[o] += w * R[d]
    got = [float(r['value']) for r in csv.DictReader(open(f'e2_{name}.csv'))]
    print(f"Oasis {name}-closed vs pysal-style {name}: max |diff| {max(abs(a - b) for a, b in zip(got, A)):.3g}")
    res[name] = A
on = sum(1 for _, _, t in pairs if t in (10.0, 20.0, 30.0))
rel = [abs(l - r) / r for l, r in zip(res['left'], res['right']) if r > 0]
print(f"pairs exactly on a step: {on}; communes where left- and right-closed differ (> 1e-9 relative): {sum(x > 1e-9 for x in rel)}, max {100 * max(rel):.1f} %")
