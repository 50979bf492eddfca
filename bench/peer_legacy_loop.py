# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Peer (b) of the benchmark: Microsoft's legacy bulk-licensing PowerShell loop, ported to Python.

The article "Assign Microsoft Teams licenses" (MSOnline era) reads a file of user principal
names and, for each user, calls Set-MsolUserLicense once per licence, one after the other, with
-ErrorAction SilentlyContinue:

    foreach ($user in $users) {
        Set-MsolUserLicense -UserPrincipalName $user -AddLicenses "companyname:ENTERPRISEPACK" -ErrorAction SilentlyContinue
        Set-MsolUserLicense -UserPrincipalName $user -AddLicenses "companyname:MCOEV" -ErrorAction SilentlyContinue
        Set-MsolUserLicense -UserPrincipalName $user -AddLicenses "companyname:MCOPSTN1" -ErrorAction SilentlyContinue
    }

This port keeps that shape on Graph: one client-credentials token (Connect-MsolService), the
tenant's SKUs once (MSOnline resolves "companyname:PART" itself), then per user and per licence
one POST /users/{upn}/assignLicense, sequential, on one keep-alive connection, errors ignored
(no retry, no Retry-After). It is a peer to compare with, not part of the collection.

    python bench/peer_legacy_loop.py --authority-url URL --tenant-id ID --graph-url URL --ca-path PEM \\
        --client-id ID --users-file users.txt --licenses ENTERPRISEPACK,MCOEV,MCOPSTN1

The client secret is read from the environment variable PEER_CLIENT_SECRET. One JSON line on
stdout at the end: requests sent, errors ignored, 429s received.
"""

import argparse
import json
import os
import sys
from urllib.parse import quote

import requests


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ('--authority-url', '--tenant-id', '--graph-url', '--ca-path', '--client-id', '--users-file', '--licenses'):
        parser.add_argument(name, required=True)
    options = parser.parse_args()
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE on these machines would override verify
    session.verify = options.ca_path
    counts = {'requests': 0, 'errors_ignored': 0, 'throttled': 0}

    # Connect-MsolService: one token for the whole run.
    counts['requests'] += 1
    token = session.post('%s/%s/oauth2/v2.0/token' % (options.authority_url, options.tenant_id), data={
        'client_id': options.client_id, 'client_secret': os.environ['PEER_CLIENT_SECRET'],
        'grant_type': 'client_credentials', 'scope': '%s/.default' % options.graph_url}, timeout=30)
    token.raise_for_status()
    session.headers['Authorization'] = 'Bearer %s' % token.json()['access_token']

    # "companyname:PART" -> skuId, as MSOnline resolves it.
    counts['requests'] += 1
    skus = session.get('%s/v1.0/subscribedSkus' % options.graph_url, timeout=30)
    skus.raise_for_status()
    sku_ids = dict((sku['skuPartNumber'], sku['skuId']) for sku in skus.json()['value'])
    licences = [sku_ids[part] for part in options.licenses.split(',')]

    with open(options.users_file, encoding='utf-8') as handle:
        users = [line.strip() for line in handle if line.strip()]
    for user in users:
        url = '%s/v1.0/users/%s/assignLicense' % (options.graph_url, quote(user, safe="@.'_-"))
        for sku_id in licences:
            counts['requests'] += 1
            try:
                answer = session.post(url, json={'addLicenses': [{'skuId': sku_id, 'disabledPlans': []}], 'removeLicenses': []},
                                      timeout=30)
            except requests.exceptions.RequestException:
                counts['errors_ignored'] += 1  # -ErrorAction SilentlyContinue
                continue
            if answer.status_code == 429:
                counts['throttled'] += 1
            if answer.status_code >= 400:
                counts['errors_ignored'] += 1  # -ErrorAction SilentlyContinue
    session.close()
    json.dump(counts, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
