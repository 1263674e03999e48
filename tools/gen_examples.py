#!/usr/bin/python3
"""Writes examples/drones.tle: the example drone constellation (12 drones,
two Walker planes at 53 deg / 550 km and one sun-synchronous plane), using
the shared generator's TLE builder with the epoch given on the command line.

  /usr/bin/python3 tools/gen_examples.py 26 326.0 > examples/drones.tle
"""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'tools'))
import gen_tles as g

g.EPOCH_YY, g.EPOCH_DOY = int(sys.argv[1]), float(sys.argv[2])
n = g.n_from_alt(550.0)
sso = g.sso_incl(550.0)
k = 0
for plane, (incl, raan) in enumerate([(53.0, 0.0), (53.0, 120.0), (sso, 240.0)]):
    for s in range(4):
        k += 1
        l1, l2 = g.make_tle(90000 + k, incl, raan, 0.0002, 90.0, 90.0 * s + 30.0 * plane, n,
                            bstar=4.0e-5, ndot=2.0e-6, intl='26900A', elnum=1)
        print(f'DRONE-{k:02d}\n{l1}\n{l2}')
