"""Time index building and the API over the relevance queries, on the configured database.

    python manage.py search_timings [--repeat 20]
"""
import os
import platform
import statistics
import time

import django
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client

from bench.benchmark import percentile
from measures import services

QUERIES = [
    "知识产权质押", "知識產權質押", "智慧財產權質押", "知识产权保险", "專利保險", "技術調查官", "證券化", "数据",
    "中試", "容錯", "知識产权質押", "科技成果轉化 激励", "发改委", "國家發展改革委", "证监会", "央行", "最高法",
    "金融监管总局", "大湾区", "杭甬温", "京津冀", "宁波", "甬", "质押", "商标", "知识产权 -质押", "专利 -保险",
    "以降低侵权损失为核心的专利保险机制", "技术经理人", "優化知識產權交易服務市場", "量子计算", '"质押"',
]


class Command(BaseCommand):
    help = "Print index build time and API latency (median, p95) for the relevance queries."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20)

    def handle(self, *args, repeat, **options):
        started = time.perf_counter()
        count = services.rebuild_search_index()
        cold = time.perf_counter() - started
        started = time.perf_counter()
        services.index_measures()
        warm = time.perf_counter() - started

        client = Client()
        for query in QUERIES:  # warm up: dictionary loaded, statements prepared
            client.get("/api/measures/", {"q": query})
        timings = []
        for _ in range(repeat):
            for query in QUERIES:
                t = time.perf_counter()
                response = client.get("/api/measures/", {"q": query})
                timings.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200, query
        self.stdout.write(
            f"database: {connection.vendor} | Python {platform.python_version()} | Django {django.get_version()} | "
            f"{platform.machine()} {platform.processor() or ''} cores={os.cpu_count()}"
        )
        self.stdout.write(f"index build: {count} measures, {cold:.2f}s with dictionary load, {warm:.3f}s warm")
        self.stdout.write(
            f"API /api/measures/?q= over {len(QUERIES)} queries x {repeat}: "
            f"median {statistics.median(timings):.2f} ms, p95 {percentile(timings, 0.95):.2f} ms, "
            f"max {max(timings):.2f} ms"
        )
