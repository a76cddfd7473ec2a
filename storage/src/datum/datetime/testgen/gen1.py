import subprocess, json, sys
def pg(sql, tz='UTC'):
    r = subprocess.run(['psql','-h','/tmp','-p','54392','-U','postgres','-XAtq','-v','VERBOSITY=verbose',
        '-c', f"set timezone='{tz}'", '-c', "\\set VERBOSITY verbose", '-c', sql], capture_output=True, text=True)
    if r.returncode != 0 or 'ERROR' in r.stderr:
        for line in r.stderr.splitlines():
            if line.startswith('ERROR:'):
                return 'ERR:' + line.split()[1].rstrip(':')
        return 'ERR:?' + r.stderr
    return r.stdout.rstrip('\n')
def lit(s): return "'" + s.replace("'", "''") + "'"
def rs(s): return json.dumps(s)
out = []
def table(name, rows):
    out.append(f"pub(super) const {name}: &[(&str, &str)] = &[")
    for a, b in rows: out.append(f"    ({rs(a)}, {rs(b)}),")
    out.append("];")
def table3(name, rows):
    out.append(f"pub(super) const {name}: &[(&str, &str, &str)] = &[")
    for a, b, c in rows: out.append(f"    ({rs(a)}, {rs(b)}, {rs(c)}),")
    out.append("];")

dates = ["2024-01-02","1999-01-08","January 8, 1999","Jan 8 1999","8 Jan 1999","1/8/1999","1/8/99","19990108","990108","1999-Jan-08","08-Jan-1999","Jan-08-1999","2024-02-29","2023-02-29","2024-13-01","2024-00-10","2024-04-31","0044-03-15 BC","44-03-15 BC","0001-01-01 BC","4714-11-24 BC","4714-11-23 BC","5874897-12-31","5874898-01-01","infinity","-infinity","epoch","xyz","","2024-01-02 10:00:00","2024-01-02T10:00:00Z","  2024-01-02  ","0000-01-01","2024/01/02","1999.01.08","Friday, January 8, 1999","2024-01-02 BC","99-01-08","1-2-3","12/31/2024","31/12/2024","2024-1-2","+infinity","01/02/03","Jan 8","200000-01-01","2024-01-02 junk"]
table("DATE_IN", [(d, pg(f"select {lit(d)}::date")) for d in dates])

tss = ["2024-01-02 03:04:05","2024-01-02 03:04:05.123456","2024-01-02 03:04:05.1234567","2024-01-02 03:04:05.120","2024-01-02T03:04:05","2024-01-02 03:04:05+02","2024-01-02 03:04:05 Europe/Berlin","2024-01-02 03:04:05Z","2024-01-02","2024-01-02 23:59:59.9999999","2024-01-02 24:00:00","2024-01-02 24:00:01","2024-01-02 25:00:00","2024-01-02 10:60:00","2024-01-02 10:00:60","2024-01-02 10:00:61","0044-03-15 12:00 BC","294276-12-31 23:59:59.999999","294277-01-01","4714-11-24 00:00 BC","4714-11-23 23:59:59 BC","infinity","-infinity","epoch","Jan 8 1999 04:05:06","January 8 04:05:06 1999 PST","1999-01-08 04:05 PM","1999-01-08 12:05 AM","1999-01-08 13:05 PM","19990108 040506","19990108T040506","2024-01-02 10:00:00+16","2024-01-02 10:00:00 foo/bar","2024-01-02 10:00 +05:30","2024-01-02 10:00-0800","10:00","2024-01-02 10:00:00.5 UTC","2024-01-02 03:04","1999-01-08 04:05:06 -8:00","2024-01-02 10:00:00 America/New_York","20240102","2024-01-02 3:4:5","Sat Jan 8 04:05:06 1999","2024-01-02 10:00 am","2024-01-02 00:00:00.000001"]
table("TIMESTAMP_IN", [(d, pg(f"select {lit(d)}::timestamp")) for d in tss])
tstz_cases = []
for tz in ["UTC","Europe/Berlin","America/New_York","Asia/Kolkata","Australia/Adelaide", "America/St_Johns"]:
    for d in ["2024-01-02 03:04:05","2024-07-02 03:04:05.5","2024-01-02 03:04:05+02","2024-01-02 03:04:05 Europe/Berlin","2024-03-10 02:30:00","2024-11-03 01:30:00","2024-03-31 02:30:00","2024-10-27 02:30:00","1900-01-01 00:00","0044-03-15 12:00 BC","infinity","2024-01-02 10:00 UTC","epoch"]:
        tstz_cases.append((tz, d, pg(f"select {lit(d)}::timestamptz", tz)))
table3("TIMESTAMPTZ_IN", tstz_cases)

times = ["10:00","10:00:05","10:00:05.123456789","23:59:59.9999999","24:00:00","24:00:01","00:00","allballs","2024-01-02 10:11:12","10:00:00+02","04:05 PM","12:00 AM","1:2:3","040506","25:00","10:61","abc","10:00:60","5:06.5"]
table("TIME_IN", [(d, pg(f"select {lit(d)}::time")) for d in times])

ivs = ["1 day","1 year 2 mons 3 days 04:05:06.789","-1 day +2 hours","2 weeks","1.5 hours","@ 1 minute ago","P1Y2M3DT4H5M6S","P0D","10:00","1 day 10:00:00","1 day 2 days","1 2","1 2:00","10","1.5","1 day ago","1-2","-1-2","1.5 years","1.5 months","1.5 weeks","0.1 seconds","-10:00","1 -10:00","10:00 ago","1.123456789 sec","PT1.5H","P1.5M","-P1D","P-1D","1 millisecond","1 ms 2 us","3 decades","2 centuries","1 millennium","1 y 2 mon 3 d 4 h 5 m 6 s","5 mins","infinity","1 dayx","","2147483647 days 1 day","178956970 years 8 mons","178956971 years","-178956970 years -8 mons","1 mon -1 days","-1 mon 1 day","1 year -1 mons","-1 year 1 mon","1:2:3","-1:2:3.5","100:00:00","2562047788:00:54.775807","P1W","P2DT3H","1 day -1 second","-1 days -00:00:01","00:00:00.000001","-0.000001 sec","1 mon 2 days 3 hours ago","1.5 days","0.5 mon","1.25 years","3 days 4 hours 5 minutes 6 seconds 7 milliseconds 8 microseconds"]
table("INTERVAL_IN", [(d, pg(f"select {lit(d)}::interval")) for d in ivs])

# arithmetic
adds = [("2024-01-31 10:00","1 mon"),("2024-02-29 12:00","1 year"),("2024-01-31","1 mon 1 day"),("2024-03-31","-1 mon"),("2024-01-01","-1 day -1 sec"),("2024-01-01","25 hours"),("0001-01-01","-1 day"),("294276-12-31","1 day"),("infinity","1 day"),("2024-01-01 10:00","1 year 2 mons 3 days 04:05:06.789"),("2024-12-31 23:59:59.999999","00:00:00.000001"),("2000-02-29","-100 years")]
table3("TS_ADD", [(a,b,pg(f"select {lit(a)}::timestamp + {lit(b)}::interval")) for a,b in adds])
tzadds = [("America/New_York","2024-03-09 12:00","1 day"),("America/New_York","2024-03-09 12:00","24 hours"),("America/New_York","2024-03-09 02:30","1 day"),("America/New_York","2024-11-02 01:30","1 day"),("Europe/Berlin","2024-01-31 10:00","1 mon"),("Europe/Berlin","2024-03-30 02:30","1 day"),("Europe/Berlin","2024-10-26 02:30","1 day"),("UTC","2024-02-29 12:00","1 year"),("Asia/Kolkata","2024-01-01","1 mon 1 day 1 hour")]
table("TSTZ_ADD_PLACEHOLDER", [])
out.pop(); out.pop()
out.append("pub(super) const TSTZ_ADD: &[(&str, &str, &str, &str)] = &[")
for tz,a,b in tzadds: out.append(f"    ({rs(tz)}, {rs(a)}, {rs(b)}, {rs(pg(f'select {lit(a)}::timestamptz + {lit(b)}::interval', tz))}),")
out.append("];")
subs = [("2024-03-01","2024-02-01"),("2024-01-01","2024-03-01 12:00:01"),("2024-01-02 00:00:01","2024-01-01"),("2024-01-01","2024-01-01"),("294276-01-01","4713-01-01 BC"),("infinity","2024-01-01")]
table3("TS_SUB", [(a,b,pg(f"select {lit(a)}::timestamp - {lit(b)}::timestamp")) for a,b in subs])
muls = [("1 mon","1.5"),("1 day","0.5"),("1 mon 1 day 1 hour","3.3"),("1 mon","-0.1"),("1 year","1e10"),("00:00:01","0.0000001"),("1 mon 15 days","0.3333333")]
table3("IV_MUL", [(a,b,pg(f"select {lit(a)}::interval * {b}::float8")) for a,b in muls])
divs = [("1 mon","3"),("1 day","7"),("1 year 1 mon 1 day 1 hour","2.5"),("1 day","0"),("-1 mon","4")]
table3("IV_DIV", [(a,b,pg(f"select {lit(a)}::interval / {b}::float8")) for a,b in divs])
js = ["1 mon 40 days 30 hours","-1 mon 40 days -30 hours","1 mon -1 hour","-1 mon 1 hour","35 days","-35 days -25 hours","1 day -1 hour","2147483647 days 24 hours"]
out.append("pub(super) const JUSTIFY: &[(&str, &str, &str, &str)] = &[")
for a in js:
    out.append(f"    ({rs(a)}, {rs(pg(f'select justify_hours({lit(a)}::interval)'))}, {rs(pg(f'select justify_days({lit(a)}::interval)'))}, {rs(pg(f'select justify_interval({lit(a)}::interval)'))}),")
out.append("];")

fields = ["microseconds","milliseconds","second","minute","hour","day","week","month","quarter","year","decade","century","millennium","epoch","julian","dow","isodow","doy","isoyear","timezone","timezone_hour","timezone_minute","foo"]
exts = []
for v in ["2024-01-02 03:04:05.123456","2021-01-01 23:59:59","0044-03-15 12:00 BC","0001-01-01","2020-12-31 12:00","infinity","-infinity"]:
    for f in fields:
        exts.append(("timestamp", v, f, pg(f"select extract({f} from {lit(v)}::timestamp)")))
for v in ["2024-01-02","0001-12-31 BC","2027-01-01","infinity"]:
    for f in fields:
        exts.append(("date", v, f, pg(f"select extract({f} from {lit(v)}::date)")))
for v in ["10:11:12.5","24:00:00"]:
    for f in fields:
        exts.append(("time", v, f, pg(f"select extract({f} from {lit(v)}::time)")))
for v in ["1 year 2 mons 3 days 04:05:06.789","-1 year -2 mons -3 days -04:05:06.789","17 mons", "1000 years"]:
    for f in fields:
        exts.append(("interval", v, f, pg(f"select extract({f} from {lit(v)}::interval)")))
for v in ["2024-01-02 03:04:05.5+00","2024-07-02 03:04:05+00"]:
    for f in ["hour","day","epoch","timezone","timezone_hour","timezone_minute","julian"]:
        exts.append(("timestamptz", v, f, pg(f"select extract({f} from {lit(v)}::timestamptz)", "America/St_Johns")))
out.append("pub(super) const EXTRACT: &[(&str, &str, &str, &str)] = &[")
for t,v,f,r in exts: out.append(f"    ({rs(t)}, {rs(v)}, {rs(f)}, {rs(r)}),")
out.append("];")
tr = []
for v in ["2024-05-17 13:14:15.123456","0044-03-15 12:34 BC","2021-01-01 00:00","2024-12-31 23:59:59","infinity"]:
    for f in ["microseconds","milliseconds","second","minute","hour","day","week","month","quarter","year","decade","century","millennium","dow","timezone","foo"]:
        tr.append((v, f, pg(f"select date_trunc({lit(f)}, {lit(v)}::timestamp)")))
table3("TRUNC", tr)
trz = []
for tz, v in [("America/New_York","2024-03-10 12:34:56"),("America/New_York","2024-11-03 01:30:00-04"),("Europe/Berlin","2024-10-27 02:30:00+01"),("Asia/Kolkata","2024-05-17 13:14:15")]:
    for f in ["minute","hour","day","week","month","year"]:
        trz.append((tz, v, f, pg(f"select date_trunc({lit(f)}, {lit(v)}::timestamptz)", tz)))
out.append("pub(super) const TRUNC_TZ: &[(&str, &str, &str, &str)] = &[")
for a,b,c,d in trz: out.append(f"    ({rs(a)}, {rs(b)}, {rs(c)}, {rs(d)}),")
out.append("];")
conv = []
for tz in ["UTC", "Europe/Berlin", "America/New_York"]:
    for v in ["2024-03-10 02:30:00", "2024-11-03 01:30:00", "2024-07-01 12:00", "infinity"]:
        conv.append((tz, v, pg(f"select {lit(v)}::timestamp::timestamptz", tz), pg(f"select ({lit(v)}::timestamp::timestamptz)::timestamp", tz)))
out.append("pub(super) const TS_TSTZ: &[(&str, &str, &str, &str)] = &[")
for a,b,c,d in conv: out.append(f"    ({rs(a)}, {rs(b)}, {rs(c)}, {rs(d)}),")
out.append("];")
cmps = [("1 mon","30 days"),("1 day","24 hours"),("1 year","360 days"),("1 mon 1 sec","30 days"),("-1 day","-24:00:01"),("0","00:00:00")]
table3("IV_CMP", [(a,b,pg(f"select case when {lit(a)}::interval < {lit(b)}::interval then '<' when {lit(a)}::interval = {lit(b)}::interval then '=' else '>' end")) for a,b in cmps])
tzs = ["Europe/Berlin","utc","UTC","Etc/UTC","GMT","-8","+05:30","5.5","UTC+3","EST5EDT","america/new_york","Foo/Bar","+16","Z"]
out.append("pub(super) const TZ_SET: &[(&str, &str)] = &[")
for z in tzs:
    r = pg(f"set timezone = {lit(z)}; select '2024-07-01 12:00:00+00'::timestamptz")
    if r.startswith("ERR") : pass
    else: r = r.splitlines()[-1]
    out.append(f"    ({rs(z)}, {rs(r)}),")
out.append("];")
open('/tmp/dtgen/cases.rs','w').write("//! Expected values generated from PostgreSQL 15 (see tests.rs).\n\n" + "\n".join(out) + "\n")
