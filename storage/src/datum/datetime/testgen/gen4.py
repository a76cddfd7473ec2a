import random, subprocess, json
random.seed(15)
def pgrows(sql, tz='UTC'):
    r = subprocess.run(['psql','-h','/tmp','-p','54392','-U','postgres','-XAtq','-F','|','-c', f"set timezone='{tz}'", '-c', sql], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return [l.split('|') for l in r.stdout.splitlines()]
def lit(s): return "'" + s.replace("'", "''") + "'"
rs = json.dumps
def rand_ts():
    y = random.choice([random.randint(1,9999), random.randint(1900,2100), random.randint(1900,2100), random.randint(1,4000)])
    bc = random.random() < 0.1 and y < 4000
    s = f"{y:04d}-{random.randint(1,12):02d}-{random.randint(1,28):02d} {random.randint(0,23):02d}:{random.randint(0,59):02d}:{random.randint(0,59):02d}"
    if random.random() < 0.5: s += "." + str(random.randint(0,999999)).zfill(6)
    if bc: s += " BC"
    return s
def rand_iv():
    parts = []
    if random.random()<0.5: parts.append(f"{random.randint(-30,30)} years")
    if random.random()<0.5: parts.append(f"{random.randint(-30,30)} mons")
    if random.random()<0.6: parts.append(f"{random.randint(-400,400)} days")
    if random.random()<0.6: parts.append(f"{random.randint(-100,100)}:{random.randint(0,59):02d}:{random.randint(0,59):02d}.{random.randint(0,999999):06d}")
    if not parts: parts.append("1 sec")
    return " ".join(parts)
out = []
N = 150
rows = [(rand_ts(), rand_iv()) for _ in range(N)]
vals = ",".join(f"({i},{lit(a)},{lit(b)})" for i,(a,b) in enumerate(rows))
fields = ["year","month","day","hour","minute","second","dow","doy","week","isoyear","isodow","quarter","decade","century","millennium","julian","epoch","milliseconds"]
for tz in ["UTC","America/New_York","Europe/Berlin","Australia/Lord_Howe"]:
    sel = ",".join([f"extract({f} from t::timestamptz)" for f in fields])
    res = pgrows(f"select i, t::timestamptz, (t::timestamptz + v::interval), (t::timestamptz - v::interval), v::interval, justify_interval(v::interval), date_trunc('month', t::timestamptz), date_trunc('week', t::timestamptz), t::timestamptz::timestamp, {sel} from (values {vals}) x(i,t,v) order by i", tz)
    out.append(f"pub(super) const RANDOM_{tz.split('/')[-1].upper()}: &[&[&str]] = &[")
    for r in res:
        i = int(r[0]); a, b = rows[i]
        out.append("    &[" + ", ".join(rs(x) for x in [a, b] + r[1:]) + "],")
    out.append("];")
# plain timestamps: fields + trunc + date + time
sel = ",".join([f"extract({f} from t::timestamp)" for f in fields])
res = pgrows(f"select i, t::timestamp, t::timestamp + v::interval, t::timestamp - v::interval, date_trunc('decade', t::timestamp), date_trunc('millennium', t::timestamp), date_trunc('week', t::timestamp), t::timestamp::date, t::timestamp::time, {sel} from (values {vals}) x(i,t,v) order by i")
out.append("pub(super) const RANDOM_TS: &[&[&str]] = &[")
for r in res:
    i = int(r[0]); a, b = rows[i]
    out.append("    &[" + ", ".join(rs(x) for x in [a, b] + r[1:]) + "],")
out.append("];")
out.append("pub(super) const RANDOM_FIELDS: &[&str] = &[" + ", ".join(rs(f) for f in fields) + "];")
open('/tmp/dtgen/cases4.rs','w').write("\n".join(out) + "\n")
