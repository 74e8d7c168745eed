"""smalltrial.figures: styles, deterministic output, and the data each figure draws.

Expected values are hand calculations written out in each test (figures compute no
statistics: they draw what the result objects hold).
"""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest

from smalltrial import SmallTrialError, SmallTrialWarning
from smalltrial import figures as F

DASH = "\u2013"


def by_gid(container, gid):
    found = container.findobj(lambda a: a.get_gid() == gid)
    return found


def one(container, gid):
    found = by_gid(container, gid)
    assert len(found) == 1, f"{gid}: {len(found)} artists"
    return found[0]


def gids_starting(container, prefix):
    return sorted(
        (a for a in container.findobj(lambda a: str(a.get_gid() or "").startswith(prefix))),
        key=lambda a: a.get_gid(),
    )


# ------------------------------------------------------------------------------------------
# styles
# ------------------------------------------------------------------------------------------


def test_figure_size_from_mm():
    assert F.figure_size("nature", 1, height_mm=60) == pytest.approx((89 / 25.4, 60 / 25.4))
    assert F.figure_size("nature", 2, height_mm=100) == pytest.approx((183 / 25.4, 100 / 25.4))
    assert F.figure_size("nature", 1.5, aspect=0.5) == pytest.approx((136 / 25.4, 68 / 25.4))
    w, h = F.figure_size("nejm", 2)
    assert (w, h) == pytest.approx((178 / 25.4, 178 * 0.75 / 25.4))
    with pytest.raises(SmallTrialError, match=r"columns must be one of .*got 3"):
        F.figure_size("nature", 3)
    with pytest.raises(SmallTrialError, match=r"height_mm must be in \(0, 247\].*300"):
        F.figure_size("nature", 1, height_mm=300)
    with pytest.raises(SmallTrialError, match=r"style must be one of .*'science'"):
        F.figure_size("science")


def test_style_context_sets_and_restores_rcparams():
    before = dict(matplotlib.rcParams)
    with F.style("nature") as st:
        rc = matplotlib.rcParams
        assert st.name == "nature"
        assert rc["font.size"] == 7 and rc["axes.labelsize"] == 7
        assert rc["xtick.labelsize"] == 6 and rc["legend.fontsize"] == 6
        assert rc["axes.grid"] is False
        assert rc["axes.linewidth"] == 0.5
        assert rc["pdf.fonttype"] == 42 and rc["svg.fonttype"] == "none"
        assert rc["font.family"][0] == F.resolve_font()
        assert [c["color"] for c in rc["axes.prop_cycle"]][:3] == ["#0072B2", "#D55E00", "#009E73"]
        assert F.active_style() == ("nature", None)
    assert F.active_style() is None
    assert matplotlib.rcParams["font.size"] == before["font.size"]
    assert matplotlib.rcParams["axes.prop_cycle"] == before["axes.prop_cycle"]


def test_font_choice_is_explicit_and_truetype():
    from matplotlib import font_manager

    chosen = F.resolve_font()
    assert chosen in F.FONT_CANDIDATES
    ttf = {e.name for e in font_manager.fontManager.ttflist if e.fname.lower().endswith(".ttf")}
    assert chosen in ttf
    # every candidate before the chosen one is absent as TrueType: the first installed wins
    earlier = F.FONT_CANDIDATES[: F.FONT_CANDIDATES.index(chosen)]
    assert not set(earlier) & ttf
    assert F.resolve_font(("No Such Font",)) == "DejaVu Sans"
    with F.style("lancet", font="DejaVu Sans"):
        assert matplotlib.rcParams["font.family"][0] == "DejaVu Sans"


def test_use_style_is_global_but_scoped_here():
    before = matplotlib.rcParams["font.size"]
    with matplotlib.rc_context():
        F.use_style("nejm")
        assert matplotlib.rcParams["font.size"] == 8
        assert matplotlib.rcParams["xtick.labelsize"] == 7
        assert F.active_style() == ("nejm", None)
        fig, _ax = F.new_figure()  # the active style decides the size: NEJM single column
        assert fig.get_size_inches()[0] == pytest.approx(86 / 25.4)
        assert F.use_style(None) is None
        assert F.active_style() is None
        assert matplotlib.rcParams["font.size"] == matplotlib.rcParamsDefault["font.size"]
    assert matplotlib.rcParams["font.size"] == before


def test_new_figure_size_dpi_grid_and_okabe_ito():
    fig, ax = F.new_figure("nature", 2, height_mm=80)
    assert tuple(fig.get_size_inches()) == pytest.approx((183 / 25.4, 80 / 25.4))
    fig.canvas.draw()
    assert not any(g.get_visible() for g in ax.get_xgridlines() + ax.get_ygridlines())
    assert ax.spines["top"].get_visible() is False
    assert fig.canvas.__class__.__name__ == "FigureCanvasAgg"
    assert F.OKABE_ITO["vermillion"] == "#D55E00" and len(set(F.PALETTE)) == 8
    assert F.STYLES["nature"].dpi == 600 and F.STYLES["default"].dpi >= 300


# ------------------------------------------------------------------------------------------
# saving
# ------------------------------------------------------------------------------------------


def _simple_figure():
    fig, ax = F.new_figure("nature", height_mm=50)
    ax.plot([0, 1, 2], [0, 1, 4], label="a \u2264 b")
    ax.set_xlabel("Days since CAR-T infusion")
    ax.legend()
    return fig


def test_save_is_byte_identical_and_atomic(tmp_path):
    fig = _simple_figure()
    first = F.save(fig, tmp_path / "a" / "fig", dpi=300)
    assert [p.name for p in first] == ["fig.pdf", "fig.png", "fig.svg"]
    blobs = {p.suffix: p.read_bytes() for p in first}
    again = F.save(fig, tmp_path / "b" / "fig", dpi=300)
    other = F.save(_simple_figure(), tmp_path / "c" / "fig", dpi=300)  # rebuilt from scratch
    for paths in (again, other):
        for p in paths:
            assert p.read_bytes() == blobs[p.suffix], p
    leftovers = [p.name for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_pdf_svg_png_metadata(tmp_path):
    fig = _simple_figure()
    pdf = F.render(fig, "pdf", dpi=300)
    assert b"/FontFile2" in pdf  # TrueType embedded (Type 42)
    assert b"/CreationDate" not in pdf and b"Matplotlib" not in pdf
    assert re.search(rb"/Producer \(smalltrial\)", pdf)
    svg = F.render(fig, "svg", dpi=300).decode()
    assert "<text" in svg and "Days since CAR-T infusion" in svg  # text kept as text
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    from PIL import Image

    png_path = F.save(fig, tmp_path / "p", formats=["png"], dpi=600)[0]
    with Image.open(png_path) as im:
        assert im.size == (round(89 / 25.4 * 600), round(50 / 25.4 * 600))
        assert "Software" not in im.info
        assert im.info["dpi"] == pytest.approx((600, 600), abs=0.1)


def test_save_rejects_bad_arguments(tmp_path):
    fig = _simple_figure()
    with pytest.raises(SmallTrialError, match=r"formats must be one of .*got 'jpg'"):
        F.save(fig, tmp_path / "x", formats=["jpg"])
    with pytest.raises(SmallTrialError, match=r"dpi must be a whole number >= 300, got 150"):
        F.save(fig, tmp_path / "x", formats="png", dpi=150)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------
# Kaplan-Meier
# ------------------------------------------------------------------------------------------


class FakeKM:
    """Hand-computed KM of times 2, 3+, 5, 8+, 10 (5 subjects; + = censored).

    S(2) = 4/5 = 0.8; S(5) = 0.8 * 2/3 = 0.5333; S(10) = 0.5333 * 0/1 = 0 -> median 10.
    """

    def __init__(self, raw=(2, 3, 5, 8, 10), events=(1, 0, 1, 0, 1), median=10.0):
        raw = np.asarray(raw, float)
        events = np.asarray(events, int)
        rows, s = [], 1.0
        for t in np.unique(raw):
            n = int((raw >= t).sum())
            d = int(events[raw == t].sum())
            c = int((raw == t).sum()) - d
            s *= 1 - d / n
            rows.append((t, n, d, c, s))
        self.raw = raw
        self.table = pd.DataFrame(rows, columns=["time", "n_risk", "n_event", "n_censored", "survival"])
        self.table["std_error"] = 0.1
        self.table["lower"] = (self.table["survival"] - 0.2).clip(lower=0)
        self.table["upper"] = (self.table["survival"] + 0.2).clip(upper=1)
        self.median = SimpleNamespace(estimate=median)

    def at(self, times):
        t = np.asarray(times, float)
        return pd.DataFrame({"time": t, "n_risk": [(self.raw >= x).sum() for x in t]})


def test_km_curve_censor_ticks_median_and_at_risk():
    km = FakeKM()
    ax = F.km_plot(km, times=[0, 4, 8, 12], style="nature")
    curve = one(ax, "km-curve-0")
    assert curve.get_drawstyle() == "steps-post"
    np.testing.assert_allclose(curve.get_xdata(), [0, 2, 3, 5, 8, 10])
    np.testing.assert_allclose(curve.get_ydata(), [1, 0.8, 0.8, 0.8 * 2 / 3, 0.8 * 2 / 3, 0])
    ticks = one(ax, "km-censor-0")
    assert ticks.get_marker() == "|"
    np.testing.assert_allclose(ticks.get_xdata(), [3, 8])  # one tick per censored time
    np.testing.assert_allclose(ticks.get_ydata(), [0.8, 0.8 * 2 / 3])
    median = one(ax, "km-median-0")
    np.testing.assert_allclose(median.get_xdata(), [0, 10, 10])
    np.testing.assert_allclose(median.get_ydata(), [0.5, 0.5, 0])
    # number at risk: times >= t among 2, 3, 5, 8, 10
    texts = gids_starting(ax, "km-atrisk-0-")
    assert [t.get_text() for t in texts] == ["5", "3", "2", "0"]
    assert [t.get_position()[0] for t in texts] == [0, 4, 8, 12]
    assert list(ax.get_xticks()) == [0, 4, 8, 12]
    assert one(ax, "km-atrisk-header").get_text() == "No. at risk"
    # the table sits below the x tick labels (drawn in display space)
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ticklabel_bottom = min(t.get_window_extent(renderer).y0 for t in ax.get_xticklabels())
    assert max(t.get_window_extent(renderer).y1 for t in texts) < ticklabel_bottom
    centre = [0.5 * (t.get_window_extent(renderer).x0 + t.get_window_extent(renderer).x1) for t in texts]
    xticks_px = ax.transData.transform(np.c_[[0, 4, 8, 12], np.zeros(4)])[:, 0]
    np.testing.assert_allclose(centre, xticks_px, atol=1.0)


def test_km_ci_band_follows_the_steps():
    km = FakeKM()
    ax = F.km_plot(km, at_risk=False, median_line=False)
    band = one(ax, "km-ci-0")
    path = band.get_paths()[0]
    # step="post": between 5 and 8 the band spans lower 0.3333 .. upper 0.7333 (S = 0.5333)
    assert path.contains_point((6.5, 0.34)) and path.contains_point((6.5, 0.72))
    assert not path.contains_point((6.5, 0.32)) and not path.contains_point((6.5, 0.75))
    # between 2 and 3 it spans 0.6 .. 1.0 (S = 0.8), not yet the later, wider limits
    assert path.contains_point((2.5, 0.61)) and not path.contains_point((2.5, 0.55))
    assert by_gid(ax, "km-median-0") == [] and by_gid(ax, "km-atrisk-header") == []


def test_km_no_median_line_when_not_reached_and_cumulative_events():
    reached = FakeKM()
    not_reached = FakeKM(raw=(4, 6, 9, 12), events=(1, 0, 0, 0), median=float("nan"))
    ax = F.km_plot({"SLE": reached, "IIM": not_reached}, times=[0, 4, 8, 12],
                   cumulative_events=True)
    assert len(by_gid(ax, "km-median-0")) == 1
    assert by_gid(ax, "km-median-1") == []
    first = [t.get_text() for t in gids_starting(ax, "km-atrisk-0-")]
    second = [t.get_text() for t in gids_starting(ax, "km-atrisk-1-")]
    assert first == ["5 (0)", "3 (1)", "2 (2)", "0 (3)"]
    assert second == ["4 (0)", "4 (1)", "2 (1)", "1 (1)"]
    assert one(ax, "km-atrisk-label-1").get_text() == "IIM"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SLE", "IIM"]
    assert one(ax, "km-atrisk-header").get_text() == "No. at risk (cumulative events)"
    assert len(one(ax, "km-censor-1").get_xdata()) == 3


def test_km_cumulative_incidence():
    ax = F.km_plot(FakeKM(), fun="event", times=[0, 5, 10])
    np.testing.assert_allclose(one(ax, "km-curve-0").get_ydata(), [0, 0.2, 0.2, 1 - 0.8 * 2 / 3, 1 - 0.8 * 2 / 3, 1])
    np.testing.assert_allclose(one(ax, "km-censor-0").get_ydata(), [0.2, 1 - 0.8 * 2 / 3])
    np.testing.assert_allclose(one(ax, "km-median-0").get_ydata(), [0.5, 0.5, 0.0])
    path = one(ax, "km-ci-0").get_paths()[0]  # 1 - upper .. 1 - lower = 0.2667 .. 0.6667 on (5, 8)
    assert path.contains_point((6.5, 0.28)) and path.contains_point((6.5, 0.65))
    assert not path.contains_point((6.5, 0.25)) and not path.contains_point((6.5, 0.69))
    assert ax.get_ylabel() == "Cumulative incidence"
    with pytest.raises(SmallTrialError, match="fun must be one of 'survival', 'event'; got 'cumhaz'"):
        F.km_plot(FakeKM(), fun="cumhaz")


def test_km_default_times_are_round_and_reject_bad_input():
    ax = F.km_plot(FakeKM())
    ticks = list(ax.get_xticks())
    assert ticks == [0, 2, 4, 6, 8, 10]
    assert len(gids_starting(ax, "km-atrisk-0-")) == 6
    with pytest.raises(SmallTrialError, match="Kaplan-Meier result with a .table"):
        F.km_plot(pd.DataFrame({"time": [1]}))
    with pytest.raises(SmallTrialError, match="times must be finite numbers >= 0"):
        F.km_plot(FakeKM(), times=[-1, 2])


def test_km_plot_with_survival_module():
    survival = pytest.importorskip("smalltrial.survival")
    df = pd.DataFrame({"day": [84, 98, 112, 112, 140, 30, 60, 200],
                       "event": [1, 1, 1, 0, 1, 0, 0, 0],
                       "arm": ["A"] * 5 + ["B"] * 3})
    km = survival.kaplan_meier(df.iloc[:5], time="day", event="event")
    ax = F.km_plot(km, times=[0, 50, 100, 150])
    # hand calculation: 84 (5 at risk), 98 (4), 112 (3: 1 event + 1 censored), 140 (1)
    np.testing.assert_allclose(one(ax, "km-curve-0").get_ydata(), [1, 0.8, 0.6, 0.4, 0.0])
    np.testing.assert_allclose(one(ax, "km-median-0").get_xdata(), [0, 112, 112])
    assert [t.get_text() for t in gids_starting(ax, "km-atrisk-0-")] == ["5", "5", "3", "0"]
    groups = survival.kaplan_meier(df, time="day", event="event", group="arm")
    ax = F.km_plot(groups, times=[0, 100, 200])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B"]
    assert by_gid(ax, "km-median-1") == []  # arm B: no events, median not reached
    assert [t.get_text() for t in gids_starting(ax, "km-atrisk-1-")] == ["3", "1", "1"]


# ------------------------------------------------------------------------------------------
# swimmer
# ------------------------------------------------------------------------------------------


def _events():
    rows = [
        ("P1", 1, "crs", 1), ("P1", 28, "remission", None), ("P1", 110, "b_cell_reconstitution", None),
        ("P1", 500, "last_contact", None),
        ("P2", 1, "crs", 2), ("P2", 2, "icans", 1), ("P2", 60, "remission", None),
        ("P2", 300, "relapse", None), ("P2", 400, "last_contact", None),
        ("P3", 40, "remission", None), ("P3", 200, "last_contact", None),
        ("P4", 90, "b_cell_reconstitution", None), ("P4", 150, "death", None),
        ("P4", 150, "last_contact", None),
    ]
    return pd.DataFrame(rows, columns=["subject", "day", "event", "grade"])


def _rects(coll):
    return [
        (p.vertices[:, 0].min(), p.vertices[:, 0].max(), round(0.5 * (p.vertices[:, 1].min() + p.vertices[:, 1].max()), 9))
        for p in coll.get_paths()
    ]


def test_swimmer_response_spans_replace_remission_events():
    # spans in days; P1 responds from day 30 to day 90 and again from 200 (open: to day 500),
    # P3 from day 150 past its end of follow-up (200): clipped; P4 never responds
    spans = pd.DataFrame({"subject": ["P1", "P1", "P3"], "start": [30.0, 200.0, 150.0],
                          "end": [90.0, float("nan"), 400.0]})
    ax = F.swimmer(_events(), response=spans, response_label="MG-ADL response")
    assert _rects(one(ax, "swimmer-phase-remission")) == [(30, 90, 0), (200, 500, 0), (150, 200, 2)]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "MG-ADL response" in legend and "Remission" not in legend
    # each period's onset is marked (P1 twice, P3 once); the events' remission markers are not
    onset = one(ax, "swimmer-remission")
    assert list(onset.get_xdata()) == [30, 200, 150] and list(onset.get_ydata()) == [0, 0, 2]
    assert "MG-ADL response: onset" in legend
    with pytest.raises(SmallTrialError, match="end >= start"):
        F.swimmer(_events(), response=spans.assign(end=[10.0, 1.0, 1.0]))
    with pytest.raises(SmallTrialError, match="response"):
        F.swimmer(_events(), response=spans.drop(columns="end"))


def test_swimmer_lanes_segments_and_markers():
    ax = F.swimmer(_events(), style="nature")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["P1", "P2", "P3", "P4"]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # lane 0 (longest follow-up) on top
    assert _rects(one(ax, "swimmer-phase-follow_up")) == [(0, 500, 0), (0, 400, 1), (0, 200, 2), (0, 150, 3)]
    # aplasia to reconstitution, or to the end of follow-up when B cells never returned
    assert _rects(one(ax, "swimmer-phase-aplasia")) == [(0, 110, 0), (0, 400, 1), (0, 200, 2), (0, 90, 3)]
    # remission to relapse (P2) or to last contact
    assert _rects(one(ax, "swimmer-phase-remission")) == [(28, 500, 0), (60, 300, 1), (40, 200, 2)]
    rel = one(ax, "swimmer-relapse")
    assert (list(rel.get_xdata()), list(rel.get_ydata())) == ([300], [1])
    rem = one(ax, "swimmer-remission")
    assert list(zip(rem.get_xdata(), rem.get_ydata(), strict=True)) == [(28, 0), (60, 1), (40, 2)]
    crs = one(ax, "swimmer-crs")
    np.testing.assert_allclose(crs.get_ydata(), [-0.17, 1 - 0.17])
    assert [t.get_text() for t in gids_starting(ax, "swimmer-crs-grade-")] == ["1", "2"]
    assert [t.get_text() for t in gids_starting(ax, "swimmer-icans-grade-")] == ["1"]
    death = one(ax, "swimmer-death")
    assert (list(death.get_xdata()), list(death.get_ydata())) == ([150], [3])
    arrows = gids_starting(ax, "swimmer-ongoing-")
    assert sorted((a.xy[1], a.xyann[0]) for a in arrows) == [(0, 500), (1, 400), (2, 200)]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        "Follow-up", "Remission", "B-cell aplasia", "Remission onset", "B-cell reconstitution",
        "Relapse", "CRS (number: grade)", "ICANS (number: grade)", "Death", "Alive at last contact",
    ]


def test_svg_ids_are_unique():
    import collections

    for ax in (F.swimmer(_events()), F.km_plot(FakeKM(), times=[0, 4, 8])):
        svg = F.render(ax.figure, "svg", dpi=300).decode()
        ids = collections.Counter(re.findall(r' id="([^"]+)"', svg))
        assert [i for i, c in ids.items() if c > 1] == []
        assert "swimmer-crs-grade-0" in ids or "km-atrisk-0-2" in ids


def test_swimmer_months_trial_input_and_column_names():
    ev = _events().rename(columns={"subject": "id", "event": "what"})
    trial = SimpleNamespace(events=ev, subjects=None)
    ax = F.swimmer(trial, subject="id", event="what", unit="months")
    assert ax.get_xlabel() == "Months since start of treatment"
    spans = _rects(one(ax, "swimmer-phase-follow_up"))
    np.testing.assert_allclose([s[1] for s in spans], np.array([500, 400, 200, 150]) / 30.4375)


def test_swimmer_grouped_lanes():
    ev = _events()
    subjects = pd.DataFrame({"subject": ["P1", "P2", "P3", "P4"], "cohort": ["SSc", "SLE", "SSc", "SLE"]})
    ax = F.swimmer(SimpleNamespace(events=ev, subjects=subjects), group="cohort")
    # SLE block first (P2: 400 d, P4: 150 d), then SSc (P1: 500 d, P3: 200 d)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["P2 (SLE)", "P4 (SLE)", "P1 (SSc)", "P3 (SSc)"]
    assert [r[1] for r in _rects(one(ax, "swimmer-phase-follow_up"))] == [400, 150, 500, 200]
    with pytest.raises(SmallTrialError, match=r"no column 'arm'"):
        F.swimmer(ev, group="arm")


def test_swimmer_rejects_bad_events():
    ev = _events()
    bad = ev.copy()
    bad.loc[0, "event"] = "Flare!"
    with pytest.raises(SmallTrialError, match=r"invalid event name\(s\) 'Flare!'"):
        F.swimmer(bad)
    # the vocabulary is open: another lower-case event gets a generic marker and legend entry
    other = ev.copy()
    other.loc[0, "event"] = "flare"
    ax = F.swimmer(other)
    assert [line.get_label() for line in ax.lines if line.get_gid() == "swimmer-flare"] == ["Flare"]
    missing = ev.loc[~((ev.subject == "P3") & (ev.event == "last_contact"))]
    with pytest.raises(SmallTrialError, match=r"exactly one 'last_contact'.*'P3'"):
        F.swimmer(missing)
    neg = ev.copy()
    neg.loc[0, "day"] = -5
    with pytest.raises(SmallTrialError, match=r"'day' of events must be >= 0"):
        F.swimmer(neg)


def test_swimmer_on_bundled_trial():
    datasets = pytest.importorskip("smalltrial.datasets")
    trial = datasets.load("mackensen2022")
    ax = F.swimmer(trial)
    ev = trial.events
    last = ev.loc[ev.event == "last_contact"].set_index("subject")["day"].sort_values(ascending=False)
    assert [t.get_text() for t in ax.get_yticklabels()] == last.index.tolist()
    np.testing.assert_allclose([s[1] for s in _rects(one(ax, "swimmer-phase-follow_up"))], last.to_numpy())
    assert len(gids_starting(ax, "swimmer-ongoing-")) == (ev.event != "death").groupby(ev.subject).all().sum()


# ------------------------------------------------------------------------------------------
# waterfall and forest
# ------------------------------------------------------------------------------------------


def test_waterfall_sorted_bars_and_threshold():
    df = pd.DataFrame({"subject": ["P1", "P2", "P3", "P4", "P5"],
                       "change": [-100.0, 12.0, -40.0, -100.0, -55.0]})
    ax = F.waterfall(df, threshold=-50)
    heights = [p.get_height() for p in ax.patches]
    assert heights == [12.0, -40.0, -55.0, -100.0, -100.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["P2", "P3", "P5", "P1", "P4"]
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colours == ["#8c8c8c", "#8c8c8c", "#0072b2", "#0072b2", "#0072b2"]
    assert list(one(ax, "waterfall-threshold").get_ydata()) == [-50, -50]
    with pytest.raises(SmallTrialError, match="duplicated"):
        F.waterfall(pd.concat([df, df.iloc[:1]]))
    with pytest.raises(SmallTrialError, match=r"'change'.*missing"):
        F.waterfall(df.assign(change=[1.0, None, 2.0, 3.0, 4.0]))


def _clopper_pearson(x, n):
    from scipy.stats import beta

    lo = 0.0 if x == 0 else beta.ppf(0.025, x, n - x + 1)
    hi = 1.0 if x == n else beta.ppf(0.975, x + 1, n - x)
    return lo, hi


def test_forest_positions_and_text_column():
    rows = []
    for name, x, n in [("Mackensen 2022", 5, 5), ("Müller 2024 SLE", 8, 8), ("Feng 2025", 12, 15)]:
        lo, hi = _clopper_pearson(x, n)
        rows.append({"cohort": name, "responders": x, "n": n, "estimate": x / n, "lower": lo, "upper": hi})
    df = pd.DataFrame(rows)
    ax = F.forest(df, reference=0.3, style="nature")
    est = one(ax, "forest-estimate")
    np.testing.assert_allclose(est.get_xdata(), [100, 100, 80])
    np.testing.assert_allclose(est.get_ydata(), [2, 1, 0])  # first row on top
    segs = one(ax, "forest-ci").get_segments()
    np.testing.assert_allclose([s[0][0] for s in segs], 100 * df["lower"].to_numpy())
    texts = [one(ax, f"forest-text-{i}").get_text() for i in range(3)]
    # DOMAIN.md: 5/5 -> 47.8-100 %, 8/8 -> 63.1-100 %, 12/15 -> 51.9-95.7 %
    assert texts == [f"5/5, 100% (47.8{DASH}100)", f"8/8, 100% (63.1{DASH}100)",
                     f"12/15, 80.0% (51.9{DASH}95.7)"]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(df["cohort"])
    assert list(one(ax, "forest-reference").get_xdata()) == [30, 30]
    assert ax.get_xlabel() == "Remission, % (95% CI)"
    ax = F.forest(df, percent=False, text=False)
    np.testing.assert_allclose(one(ax, "forest-estimate").get_xdata(), [1, 1, 0.8])
    assert ax.get_xlim() == (0, 1) and ax.get_xlabel() == "Remission (95% CI)"
    assert by_gid(ax, "forest-text-0") == []
    with pytest.raises(SmallTrialError, match=r"'lower' <= 'estimate' <= 'upper'.*Feng 2025"):
        F.forest(df.assign(lower=[0.4, 0.6, 0.85]))


def test_forest_with_rates_summarize():
    rates = pytest.importorskip("smalltrial.rates")
    if not hasattr(rates, "summarize"):
        pytest.skip("rates.summarize not available yet")
    data = pd.DataFrame({"cohort": ["SLE"] * 8 + ["IIM"] * 3, "remission": [1] * 8 + [1, 1, 0]})
    table = rates.summarize(data, response="remission", cohort="cohort")
    ax = F.forest(table)
    texts = [one(ax, f"forest-text-{i}").get_text() for i in range(len(table))]
    lo, hi = _clopper_pearson(2, 3)  # 0.0943 .. 0.9916
    assert texts == [f"2/3, 66.7% ({100 * lo:.1f}{DASH}{100 * hi:.1f})",
                     f"8/8, 100% (63.1{DASH}100)", f"10/11, 90.9% (58.7{DASH}99.8)"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["IIM", "SLE", "overall"]


def test_forest_not_estimable_row():
    df = pd.DataFrame({"cohort": ["SLE", "SSc"], "responders": [5, 0], "n": [5, 0],
                       "estimate": [1.0, np.nan], "lower": [0.4782, np.nan], "upper": [1.0, np.nan]})
    ax = F.forest(df)
    assert one(ax, "forest-text-1").get_text() == "0/0, NE"
    est = one(ax, "forest-estimate")
    assert est.get_xdata()[0] == 100 and np.isnan(est.get_xdata()[1])


# ------------------------------------------------------------------------------------------
# trajectories, lab panel, kinetics
# ------------------------------------------------------------------------------------------


def _long():
    return pd.DataFrame({
        "subject": ["P1"] * 3 + ["P2"] * 3,
        "day": [90, 0, 28, 0, 28, 90],
        "visit": ["month 3", "baseline", "day 28", "baseline", "day 28", "month 3"],
        "parameter": "upcr",
        "value": [0.3, 2.1, 0.9, 1.5, 0.6, 0.2],
        "unit": "g/g",
    })


def test_trajectories_lines_log_and_reference():
    ax = F.trajectories(_long(), parameter="upcr")
    p1 = one(ax, "traj-upcr-P1")
    assert list(p1.get_xdata()) == [0, 28, 90] and list(p1.get_ydata()) == [2.1, 0.9, 0.3]
    assert list(one(ax, "traj-upcr-P2").get_ydata()) == [1.5, 0.6, 0.2]
    assert ax.get_yscale() == "log"  # UPCR defaults to a log axis
    assert list(one(ax, "traj-upcr-ref-0").get_ydata()) == [0.5, 0.5]
    assert one(ax, "traj-upcr-ref-label-0").get_text() == "0.5 g/g"
    assert ax.get_ylabel() == "UPCR (g/g)"
    ax = F.trajectories(_long(), parameter="upcr", log=False, reference_lines={"CRR": 0.5, "x": 1})
    assert ax.get_yscale() == "linear"
    assert [one(ax, f"traj-upcr-ref-label-{k}").get_text() for k in (0, 1)] == ["CRR", "x"]
    with pytest.raises(SmallTrialError, match=r"parameter 'c3' not found.*'upcr'"):
        F.trajectories(_long(), parameter="c3")


def test_trajectories_means_overlay_numeric_and_labels():
    means = pd.DataFrame({"day": [0, 28, 90], "estimate": [1.8, 0.75, 0.25],
                          "std_error": 0.1, "df": 3.0, "lower": [1.2, 0.5, 0.1], "upper": [2.5, 1.1, 0.6]})
    ax = F.trajectories(_long(), parameter="upcr", means=means)
    mean = one(ax, "traj-upcr-mean")
    assert list(mean.get_xdata()) == [0, 28, 90] and list(mean.get_ydata()) == [1.8, 0.75, 0.25]
    assert matplotlib.colors.to_hex(one(ax, "traj-upcr-P1").get_color()) == "#8c8c8c"  # grey under means
    by_visit = pd.DataFrame({"visit": ["day 28", "baseline", "month 3"],  # any row order
                             "estimate": [0.75, 1.8, 0.25], "std_error": 0.1, "df": 3.0,
                             "lower": [0.5, 1.2, 0.1], "upper": [1.1, 2.5, 0.6]})
    ax = F.trajectories(_long(), parameter="upcr", means=by_visit, by="visit")
    mean = one(ax, "traj-upcr-mean")
    assert list(mean.get_xdata()) == [0, 28, 90]  # visits placed at their median day
    bars = one(ax, "traj-upcr-mean-ci").get_segments()  # CI as vertical bars at visits
    assert [tuple(map(tuple, b)) for b in bars] == [((0, 1.2), (0, 2.5)), ((28, 0.5), (28, 1.1)), ((90, 0.1), (90, 0.6))]
    model = SimpleNamespace(marginal_means=lambda by, scale: means if (by, scale) == ("day", "response") else None)
    ax = F.trajectories(_long(), parameter="upcr", model=model)
    assert list(one(ax, "traj-upcr-mean").get_ydata()) == [1.8, 0.75, 0.25]


def test_trajectories_with_longitudinal_model():
    longitudinal = pytest.importorskip("smalltrial.longitudinal")
    datasets = pytest.importorskip("smalltrial.datasets")
    trial = datasets.load("mackensen2022")
    m = trial.measurements
    upcr = m.loc[(m.parameter == "upcr") & m.visit.isin(["baseline", "day 28", "month 3"])]
    fit = longitudinal.mixed_model("value ~ C(visit)", upcr, subject="subject", transform="log")
    means = fit.marginal_means("visit", scale="response")
    ax = F.trajectories(trial, parameter="upcr", model=fit, by="visit")
    mean = one(ax, "traj-upcr-mean")
    order = {"baseline": 0, "day 28": 1, "month 3": 2}
    expected = means.sort_values("visit", key=lambda v: v.map(order))
    np.testing.assert_allclose(mean.get_ydata(), expected["estimate"].to_numpy())
    days = upcr.groupby("visit")["day"].median()
    np.testing.assert_allclose(mean.get_xdata(), [days[v] for v in expected["visit"]])
    assert ax.get_yscale() == "log"


def test_trajectories_warn_on_nonpositive_log_values():
    df = _long()
    df.loc[0, "value"] = 0.0
    with pytest.warns(SmallTrialWarning, match="1 value"):
        ax = F.trajectories(df, parameter="upcr")
    assert list(one(ax, "traj-upcr-P1").get_xdata()) == [0, 28]


def _bcells():
    return pd.DataFrame({
        "subject": ["P1"] * 5 + ["P2"] * 4,
        "day": [-5, 7, 28, 102, 130, -3, 14, 60, 95],
        "parameter": "cd19_bcells",
        "value": [140.0, 1.0, 1.0, 8.0, 60.0, 90.0, 1.0, 0.0, 25.0],
        "blq": [False, True, True, False, False, False, True, False, False],
    })


def test_bcell_kinetics_blq_at_lloq_not_zero():
    ax = F.bcell_kinetics(_bcells(), threshold=10)
    assert ax.get_yscale() == "log"
    blq1 = one(ax, "bcell-blq-P1")
    assert list(blq1.get_xdata()) == [7, 28] and list(blq1.get_ydata()) == [1.0, 1.0]
    assert blq1.get_markerfacecolor() == "white" and blq1.get_linestyle() == "None"
    blq2 = one(ax, "bcell-blq-P2")  # the unflagged 0 on day 60 is below the LLOQ too
    assert list(blq2.get_xdata()) == [14, 60] and list(blq2.get_ydata()) == [1.0, 1.0]
    q2 = one(ax, "bcell-quantified-P2")
    assert list(q2.get_ydata()) == [90.0, 25.0]
    line2 = one(ax, "bcell-line-P2")
    assert min(line2.get_ydata()) == 1.0  # nothing drawn at zero
    lloq = one(ax, "bcell-lloq")
    assert list(lloq.get_ydata()) == [1.0, 1.0] and lloq.get_linestyle() == "--"
    assert one(ax, "bcell-lloq-label").get_text() == "LLOQ"
    assert ax.get_ylim()[0] == pytest.approx(0.5)
    assert list(one(ax, "bcell-threshold").get_ydata()) == [10, 10]
    assert "<LLOQ (drawn at LLOQ)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_kinetics_lloq_sources_and_errors():
    df = _bcells()
    ax = F.bcell_kinetics(df, lloq=5.0)
    # with LLOQ 5 the day-102 value 8 stays quantified; the flagged rows move to 5
    assert list(one(ax, "bcell-blq-P1").get_ydata()) == [5.0, 5.0]
    trial = SimpleNamespace(
        measurements=df,
        parameters=pd.DataFrame({"parameter": ["cd19_bcells"], "label": ["CD19+ B cells"],
                                 "unit": ["cells/uL"], "lower_limit": [np.nan],
                                 "upper_limit": [np.nan], "lloq": [2.0]}),
    )
    ax = F.bcell_kinetics(trial)
    assert list(one(ax, "bcell-lloq").get_ydata()) == [2.0, 2.0]
    assert ax.get_ylabel() == "CD19+ B cells (cells/\u00b5L)"
    mixed = df.copy()
    mixed.loc[2, "value"] = 3.0
    with pytest.raises(SmallTrialError, match=r"different values \[1.0, 3.0\]"):
        F.bcell_kinetics(mixed)
    with pytest.raises(SmallTrialError, match="lloq must be a number > 0"):
        F.bcell_kinetics(df, lloq=-1)


def test_cart_expansion_peaks():
    df = pd.DataFrame({"subject": ["A"] * 4 + ["B"] * 4, "day": [3, 10, 28, 90] * 2,
                       "value": [1.2, 32.0, 6.0, 0.1, 0.4, 11.0, 18.7, 0.1],
                       "blq": [False, False, False, True] * 2})
    ax = F.cart_expansion(df, parameter=None, xlim=(0, 100))
    peak = one(ax, "cart-peak")
    assert list(zip(peak.get_xdata(), peak.get_ydata(), strict=True)) == [(10, 32.0), (28, 18.7)]
    assert list(one(ax, "cart-blq-A").get_ydata()) == [0.1]
    assert ax.get_xlim() == (0, 100)


def test_lab_panel_on_bundled_trial():
    datasets = pytest.importorskip("smalltrial.datasets")
    trial = datasets.load("mackensen2022")
    fig = F.lab_panel(trial, ["sledai2k", "upcr", "c3"], style="nature")
    axes = [a for a in fig.axes if a.get_visible()]
    assert len(axes) == 3
    assert [a.get_title(loc="left") for a in axes] == ["a", "b", "c"]
    assert axes[1].get_yscale() == "log" and axes[0].get_yscale() == "linear"
    m = trial.measurements
    c3 = m.loc[m.parameter == "c3"]
    first = sorted(c3.subject.unique())[0]
    line = one(axes[2], f"traj-c3-{first}")
    mine = c3.loc[c3.subject == first].sort_values("day")
    np.testing.assert_allclose(line.get_ydata(), mine["value"].to_numpy())
    limits = trial.parameters.set_index("parameter").loc["c3"]
    refs = [a.get_ydata()[0] for a in gids_starting(axes[2], "traj-c3-ref-") if "label" not in a.get_gid()]
    expected = [v for v in (limits["lower_limit"], limits["upper_limit"]) if math.isfinite(v)]
    assert refs == expected
    assert tuple(fig.get_size_inches()) == pytest.approx((183 / 25.4, 108 / 25.4))
    # one legend for the whole figure, subjects in sorted order, none on the panels
    assert [t.get_text() for t in fig.legends[0].get_texts()] == sorted(trial.subjects.subject)
    assert all(a.get_legend() is None for a in axes)


def test_no_pyplot_no_backend_switch_and_same_bytes_across_processes():
    """Two fresh interpreters with different hash seeds write identical PDF/SVG/PNG bytes."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, hashlib, matplotlib, pandas as pd, smalltrial as st\n"
        "df = pd.DataFrame({'subject': ['P1', 'P2', 'P3'], 'day': [300, 200, 90],\n"
        "                   'event': ['last_contact'] * 3, 'grade': [None] * 3})\n"
        "ev = pd.concat([df, pd.DataFrame({'subject': ['P1', 'P2'], 'day': [2, 1],\n"
        "                'event': ['crs', 'crs'], 'grade': [1, 2]})])\n"
        "fig = st.figures.swimmer(ev, style='nature').figure\n"
        "digests = [hashlib.sha256(st.figures.render(fig, f, dpi=300)).hexdigest()\n"
        "           for f in ('pdf', 'svg', 'png')]\n"
        "print('matplotlib.pyplot' in sys.modules, matplotlib.rcParams['font.size'], *digests)\n"
    )
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        runs.append(out.stdout.split())
    assert runs[0][:2] == ["False", str(matplotlib.rcParamsDefault["font.size"])]
    assert runs[0] == runs[1]


@pytest.mark.parametrize("module", ["_style", "_km", "_swimmer", "_bars", "_lines"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"smalltrial.figures.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_swimmer_lanes_invariants_property():
    from hypothesis import given, settings
    from hypothesis import strategies as hs

    kinds = ["b_cell_reconstitution", "remission", "relapse", "crs", "icans"]

    @settings(max_examples=40, deadline=None)
    @given(hs.lists(
        hs.tuples(hs.integers(0, 5), hs.integers(0, 400), hs.sampled_from(kinds + ["death"])),
        max_size=25,
    ), hs.lists(hs.integers(1, 600), min_size=6, max_size=6))
    def check(rows, contact):
        subjects = [f"S{i}" for i in range(6)]
        events = [(subjects[i], d, k, 1.0 if k in ("crs", "icans") else np.nan) for i, d, k in rows]
        events += [(s, c, "last_contact", np.nan) for s, c in zip(subjects, contact, strict=True)]
        lanes = F.swimmer_lanes(pd.DataFrame(events, columns=["subject", "day", "event", "grade"]))
        ends = [lane.end for lane in lanes]
        assert ends == sorted(ends, reverse=True)
        for lane in lanes:
            own = [(d, k) for s, d, k, _g in events if s == lane.subject]
            assert lane.alive == all(k != "death" for _d, k in own)
            assert lane.end >= max(d for d, _k in own)
            if not any(k == "b_cell_reconstitution" for _s, _d, k, _g in events):
                assert lane.aplasia is None  # no B-cell data at all: no aplasia claimed
            else:
                a0, a1 = lane.aplasia
                assert a0 == 0 and 0 <= a1 <= lane.end
                recon = [d for d, k in own if k == "b_cell_reconstitution"]
                assert a1 == (min(recon) if recon else lane.end)
            previous_end = -1.0
            for start, stop in lane.remissions:  # ordered, disjoint, within follow-up
                assert previous_end <= start <= stop <= lane.end
                previous_end = stop

    check()


def test_bad_arguments_name_the_argument():
    lab = pd.DataFrame({"subject": ["a", "a", "b", "b"], "day": [0, 10, 0, 10],
                        "value": [1.0, 2.0, 3.0, 4.0], "parameter": ["x"] * 4})
    wf = pd.DataFrame({"subject": ["a", "b"], "change": [-50.0, 20.0]})
    fo = pd.DataFrame({"cohort": ["A"], "estimate": [0.5], "lower": [0.1], "upper": [0.9]})
    with pytest.raises(SmallTrialError, match=r"ax must be a matplotlib Axes, got int 3"):
        F.trajectories(lab, ax=3)
    with pytest.raises(SmallTrialError, match=r"scale must be one of 'link', 'response'; got 'log'"):
        F.trajectories(lab, scale="log")
    with pytest.raises(SmallTrialError, match=r"log must be True or False, got 'yes'"):
        F.trajectories(lab, log="yes")
    with pytest.raises(SmallTrialError, match=r"threshold must be a finite number, got 'a'"):
        F.waterfall(wf, threshold="a")
    with pytest.raises(SmallTrialError, match=r"threshold must be a finite number, got nan"):
        F.bcell_kinetics(lab, parameter="x", blq=None, threshold=float("nan"))
    with pytest.raises(SmallTrialError, match=r"peak must be True or False, got 'yes'"):
        F.cart_expansion(lab, parameter="x", blq=None, peak="yes")
    with pytest.raises(SmallTrialError, match=r"reference must be a finite number, got 'a'"):
        F.forest(fo, reference="a")
    with pytest.raises(SmallTrialError, match=r"events must be a pandas DataFrame, got int"):
        F.swimmer_lanes(3)
    with pytest.raises(SmallTrialError, match=r"nrows must be >= 1, got 0"):
        F.new_figure(nrows=0)
    with pytest.raises(SmallTrialError, match=r"ncols must be a whole number, got 1.5"):
        F.new_figure(ncols=1.5)
    with pytest.raises(SmallTrialError, match=r"fig must be a matplotlib Figure, got int"):
        F.render(3, "png")
    with pytest.raises(SmallTrialError, match=r"font must be a font family name, got 3"):
        F.style_params("default", font=3)
    with pytest.raises(SmallTrialError, match=r"responders must be a whole number, got nan"):
        F.rate_text(float("nan"), 5, 0.5, 0.1, 0.9)
    with pytest.raises(SmallTrialError, match=r"responders must be <= n; got responders=6, n=5"):
        F.rate_text(6, 5, 0.5, 0.1, 0.9)
    assert F.rate_text(None, None, 0.5, 0.1, 0.9) == f"50.0% (10.0{DASH}90.0)"


def test_reference_lines_reject_non_numbers():
    assert F.reference_lines_for(None, "c3", {"LLN": 0.9}) == [(0.9, "LLN")]
    with pytest.raises(SmallTrialError, match=r"reference_lines\['x'\] must be a finite number, got 'a'"):
        F.reference_lines_for(None, "c3", {"x": "a"})
    with pytest.raises(SmallTrialError, match=r"reference_lines must be 'auto', a dict, .* got \['a'\]"):
        F.reference_lines_for(None, "c3", ["a"])


def test_flags_colors_times_and_means_are_checked():
    from smalltrial import survival

    km = survival.kaplan_meier(pd.DataFrame({"t": [1.0, 2.0, 3.0], "e": [1, 0, 1]}),
                               time="t", event="e")
    with pytest.raises(SmallTrialError, match=r"times must be numbers, got 'a'"):
        F.km_plot(km, times="a")
    with pytest.raises(SmallTrialError, match=r"colors must be a non-empty list of colours, got 3"):
        F.km_plot(km, colors=3)
    with pytest.raises(SmallTrialError, match=r"at_risk must be True or False, got 'no'"):
        F.km_plot(km, at_risk="no")
    fo = pd.DataFrame({"cohort": ["A"], "estimate": [0.5], "lower": [0.1], "upper": [0.9]})
    with pytest.raises(SmallTrialError, match=r"percent must be True or False, got 'x'"):
        F.forest(fo, percent="x")
    lab = pd.DataFrame({"subject": ["a"], "day": [0], "value": [1.0]})
    with pytest.raises(SmallTrialError, match=r"means must be a DataFrame of marginal means, got int"):
        F.trajectories(lab, means=3)


def test_km_last_step_band_and_axis_when_the_curve_reaches_zero():
    # all five have the event (B-cell days of mackensen2022): S = 0.2 on [130, 151) with
    # log-log limits (0.0084, 0.5819) (R survfit); S = 0 at 151 has no limits. The band must
    # still cover [130, 151), and the axis must end on a tick at or past 151.
    from smalltrial.survival import kaplan_meier

    data = pd.DataFrame({"t": [67, 95, 109, 130, 151], "e": [1, 1, 1, 1, 1]})
    ax = F.km_plot(kaplan_meier(data, time="t", event="e"), at_risk=False)
    path = one(ax, "km-ci-0").get_paths()[0]
    assert path.contains_point((140, 0.3)) and path.contains_point((140, 0.02))
    assert not path.contains_point((140, 0.6)) and not path.contains_point((160, 0.1))
    ticks = ax.get_xticks()
    assert ticks[-1] >= 151 and ticks[-2] < 151 and ax.get_xlim()[1] == ticks[-1]
