"""Charts and self-contained HTML reports of projections and comparisons.

- :mod:`ssproj.reporting.plots`: matplotlib charts for notebooks, each
  taking a projection or a comparison and an optional ``ax``.
- :mod:`ssproj.reporting.html`: :func:`write_html`, one self-contained
  HTML file with the charts, tables (with units) and provenance.
"""
from ssproj.reporting.html import render_html, write_html

__all__ = ["write_html", "render_html"]
