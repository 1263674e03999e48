#!/usr/bin/python3
"""Reference positions for mission/ephem's test, from JPL ephemerides
through skyfield (Debian's python3-skyfield).

usage: tools/ephem_ref.py DE430-EXCERPT.bsp DE441-EXCERPT.bsp > mission/ephem/testdata/de.csv

The two files are the short excerpts of DE430 (2015-02-26 to 03-06) and
DE441 (1969-07-29 to 08-02) in skyfield's own test data
(skyfield/tests/data/de430-2015-03-02.bsp and de441-1969.bsp of its
repository). Rows: UTC time, body, the geometric geocentric position in
km (ICRF), then the apparent elevation and azimuth in degrees from
Tromso (69.6627 N, 18.9408 E, 100 m).
"""
import sys
from skyfield.api import load, load_file, wgs84

ts = load.timescale(builtin=True)
print("utc,body,x_km,y_km,z_km,el_deg,az_deg")
for path, days in ((sys.argv[1], [(2015, 2, 27), (2015, 3, 1), (2015, 3, 3), (2015, 3, 5)]),
                   (sys.argv[2], [(1969, 7, 30), (1969, 7, 31), (1969, 8, 1), (1969, 8, 2)])):
    eph = load_file(path)
    earth = eph["earth"]
    tromso = earth + wgs84.latlon(69.6627, 18.9408, elevation_m=100)
    for (y, m, d) in days:
        for h in (0, 7, 13, 19):
            t = ts.utc(y, m, d, h, 17, 0)
            for name, key in (("Moon", "moon"), ("Mars", "mars barycenter")):
                body = eph[key]
                x, yy, z = (body - earth).at(t).position.km
                alt, az, _ = tromso.at(t).observe(body).apparent().altaz()
                print(f"{t.utc_strftime('%Y-%m-%dT%H:%M:%SZ')},{name},{x:.3f},{yy:.3f},{z:.3f},{alt.degrees:.5f},{az.degrees:.5f}")
