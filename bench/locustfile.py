"""Load test: 20 signed-in supplier staff browse lists, search, open details and submit bids.

Run by bench/load_run.sh (gunicorn on 127.0.0.1 against the seeded PostgreSQL database):

    bench/load_run.sh            # seeds nothing; expects bench/seed_load_data.py to have run

or by hand against a running server:

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_load \\
        .venv/bin/locust -f bench/locustfile.py --headless -u 20 -r 20 -t 60s --host http://127.0.0.1:8011

Each locust user is its own bidder (loadbidder01..20, created by the seeder) so bids never
collide on the one-bid-per-organisation rule; they are logged in through the real login page
before the measured run starts. Ids are read from the database once.
At the end a table of p50/p95 per endpoint is printed against the targets (list/search p95
≤ 150 ms, detail ≤ 100 ms, zero errors).
"""

import itertools
import os
import random
import re
import threading

import psycopg2
from locust import HttpUser, between, events, task

LOAD_PASSWORD = "Load#Bench2026"
SEARCH_WORDS = [
    "机器人",
    "碳化硅",
    "工业软件",
    "储能",
    "大模型",
    "污水",
    "动力电池",
    "芯片",
    "智慧景区",
    "数字孪生",
    "协作机器人 减速器",
    "氢能 加氢站",
    "医疗器械",
    "中药",
    "无人机",
]
# Endpoint name → (kind, p95 target in ms); kinds: list, search, detail, write.
TARGETS = {
    "需求列表": ("list", 150),
    "需求列表·翻页": ("list", 150),
    "需求列表·按产业链": ("list", 150),
    "供给列表": ("list", 150),
    "供给列表·翻页": ("list", 150),
    "需求搜索": ("search", 150),
    "供给搜索": ("search", 150),
    "需求详情": ("detail", 100),
    "供给详情": ("detail", 100),
    "意向书页": ("detail", 100),
    "提交意向书": ("write", None),
}
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

_ids = {}
_ids_lock = threading.Lock()
_usernames = itertools.count(1)


def catalogue_ids():
    """Ids of published load-test demands/supplies and the chain ids (read once per process)."""
    with _ids_lock:
        if not _ids:
            url = os.environ.get("DATABASE_URL", "postgres://portal:portal@127.0.0.1:5432/portal_load")
            conn = psycopg2.connect(url)
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT d.id FROM catalog_demand d JOIN catalog_demandlist l ON l.id = d.demand_list_id "
                    "WHERE l.name LIKE '压测%%' AND d.status = 'collecting'"
                )
                _ids["demands"] = [row[0] for row in cursor.fetchall()]
                cursor.execute(
                    "SELECT s.id FROM catalog_supply s JOIN catalog_supplymenu m ON m.id = s.menu_id "
                    "WHERE m.name LIKE '压测%%' AND s.status = 'active'"
                )
                _ids["supplies"] = [row[0] for row in cursor.fetchall()]
                cursor.execute("SELECT id FROM catalog_industrychain")
                _ids["chains"] = [row[0] for row in cursor.fetchall()]
            conn.close()
            if not _ids["demands"] or not _ids["supplies"]:
                raise SystemExit("no load data: run bench/seed_load_data.py first")
    return _ids


class SupplierStaff(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self):
        ids = catalogue_ids()
        self.demands, self.supplies, self.chains = ids["demands"], ids["supplies"], ids["chains"]
        self.username = f"loadbidder{next(_usernames):02d}"
        # Signed in before the test (PBKDF2 logins are not a measured endpoint): reuse the cookies.
        self.client.cookies.update(_sessions[self.username])

    def _get(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return response

    @task(3)
    def browse_demands(self):
        self._get("/demands/", "需求列表")

    @task(2)
    def browse_demand_pages(self):
        self._get(f"/demands/?page={random.randint(2, 50)}", "需求列表·翻页")

    @task(2)
    def browse_by_chain(self):
        self._get(f"/demands/?chain={random.choice(self.chains)}", "需求列表·按产业链")

    @task(2)
    def browse_supplies(self):
        self._get("/supplies/", "供给列表")

    @task(1)
    def browse_supply_pages(self):
        self._get(f"/supplies/?page={random.randint(2, 50)}", "供给列表·翻页")

    @task(4)
    def search_demands(self):
        self._get(f"/demands/?q={random.choice(SEARCH_WORDS)}", "需求搜索")

    @task(2)
    def search_supplies(self):
        self._get(f"/supplies/?q={random.choice(SEARCH_WORDS)}", "供给搜索")

    @task(4)
    def open_demand(self):
        self._get(f"/demands/{random.choice(self.demands)}/", "需求详情")

    @task(3)
    def open_supply(self):
        self._get(f"/supplies/{random.choice(self.supplies)}/", "供给详情")

    @task(1)
    def submit_bid(self):
        demand_id = random.choice(self.demands)
        url = f"/bids/demand/{demand_id}/"
        page = self._get(url, "意向书页")
        match = CSRF_RE.search(page.text or "")
        if not match or 'name="proposal"' not in page.text:
            return  # already bid on this one (the page shows the bid instead of the form)
        data = {
            "csrfmiddlewaretoken": match.group(1),
            "proposal": f"{self.username} 的技术方案：分阶段实施，提供现场调试与培训。",
            "price_wan": str(random.randint(10, 900)),
            "delivery_days": str(random.randint(30, 300)),
        }
        with self.client.post(
            url,
            data=data,
            name="提交意向书",
            catch_response=True,
            allow_redirects=False,
            headers={"Referer": self.host + url},
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}: bid not accepted")


_sessions = {}


@events.test_start.add_listener
def sign_in_everyone(environment, **kwargs):
    """Log every bidder in once through the real login page, outside the measured requests."""
    import requests

    for number in range(1, (environment.parsed_options.num_users if environment.parsed_options else 20) + 1):
        username = f"loadbidder{number:02d}"
        browser = requests.Session()
        url = environment.host + "/accounts/login/"
        token = CSRF_RE.search(browser.get(url, timeout=60).text).group(1)
        response = browser.post(
            url,
            data={"username": username, "password": LOAD_PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": url},
            allow_redirects=False,
            timeout=60,
        )
        if response.status_code != 302:
            raise SystemExit(f"login of {username} failed ({response.status_code}): run bench/seed_load_data.py")
        _sessions[username] = browser.cookies.get_dict()


@events.quitting.add_listener
def print_summary(environment, **kwargs):
    stats = environment.runner.stats
    print("\nendpoint              requests  errors   p50 ms   p95 ms   target p95   ok")
    failures = 0
    for name in sorted(stats.entries, key=lambda key: key[0]):
        entry = stats.entries[name]
        kind, target = TARGETS.get(name[0], ("other", None))
        p50, p95 = entry.get_response_time_percentile(0.5), entry.get_response_time_percentile(0.95)
        ok = entry.num_failures == 0 and (target is None or p95 <= target)
        failures += entry.num_failures
        print(
            f"{name[1]:4} {name[0]:14} {entry.num_requests:8d} {entry.num_failures:7d} {p50:8.0f} {p95:8.0f} "
            f"{(str(target) + ' ms') if target else '—':>12}   {'yes' if ok else 'NO'}"
        )
    total = stats.total
    print(
        f"total {total.num_requests} requests, {failures} errors, {total.total_rps:.1f} req/s, "
        f"overall p50 {total.get_response_time_percentile(0.5):.0f} ms, p95 {total.get_response_time_percentile(0.95):.0f} ms"
    )
