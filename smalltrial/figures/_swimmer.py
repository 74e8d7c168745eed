"""Swimmer plot: one lane per patient, phases as segments, events as markers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from smalltrial._errors import SmallTrialError
from smalltrial._validate import (
    check_choice,
    check_column_name,
    check_columns,
    check_flag,
    check_frame,
)
from smalltrial.figures._common import (
    DAYS_PER_MONTH,
    LIGHT_GREY,
    check_figure_args,
    is_trial,
    levels_of,
    numeric,
    trial_frame,
)
from smalltrial.figures._style import OKABE_ITO, _drawing, new_figure

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

#: how each event is drawn: (legend label, marker, face colour, edge colour, size)
MARKERS: dict[str, tuple[str, str, str, str, float]] = {
    "remission": ("Remission onset", "v", OKABE_ITO["bluish_green"], "#000000", 4.0),
    "b_cell_reconstitution": (
        "B-cell reconstitution", "o", OKABE_ITO["sky_blue"], OKABE_ITO["blue"], 3.5,
    ),
    "relapse": ("Relapse", "X", OKABE_ITO["vermillion"], "#000000", 4.5),
    "crs": ("CRS (number: grade)", "s", OKABE_ITO["orange"], "#000000", 3.5),
    "icans": ("ICANS (number: grade)", "D", OKABE_ITO["reddish_purple"], "#000000", 3.2),
    "death": ("Death", "$\u2020$", "#000000", "#000000", 5.0),
}

#: markers of other events (the vocabulary is open), in turn: (marker, face colour)
_OTHER_MARKERS: tuple[tuple[str, str], ...] = (
    ("^", OKABE_ITO["yellow"]), ("P", OKABE_ITO["sky_blue"]), ("*", OKABE_ITO["orange"]),
    ("h", OKABE_ITO["reddish_purple"]), ("d", OKABE_ITO["bluish_green"]),
)

SEGMENTS: dict[str, tuple[str, str, float, float]] = {
    # key: (legend label, colour, lane height, alpha)
    "follow_up": ("Follow-up", LIGHT_GREY, 0.72, 1.0),
    "remission": ("Remission", OKABE_ITO["bluish_green"], 0.72, 0.45),
    "aplasia": ("B-cell aplasia", OKABE_ITO["blue"], 0.22, 1.0),
}


@dataclass
class Lane:
    """What the swimmer plot draws for one subject (days since infusion)."""

    subject: Any
    end: float  # last contact, or death
    alive: bool
    aplasia: tuple[float, float] | None  # None: the data say nothing of this patient's B cells
    remissions: list[tuple[float, float]] = field(default_factory=list)
    events: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # (day, grade)


def swimmer_lanes(
    events: pd.DataFrame,
    *,
    subject: str = "subject",
    day: str = "day",
    event: str = "event",
    grade: str = "grade",
) -> list[Lane]:
    """Derive the swimmer lanes from a tidy events table, sorted by follow-up (longest first).

    Follow-up ends at death if the subject died, else at ``last_contact`` (exactly one per
    subject is required). B-cell aplasia runs from day 0 to the first B-cell reconstitution
    (to the end of follow-up if none). A remission runs from its onset to the next relapse
    (to the end of follow-up if none).

    Parameters
    ----------
    events : DataFrame
        Tidy events, one row per event (``smalltrial.Trial.events``).
    subject, day, event, grade : str
        Column names (``grade`` optional: toxicity grade of CRS/ICANS events).

    ``aplasia`` is None for every lane when the events hold no ``b_cell_reconstitution`` at
    all: without B-cell data the plot must not claim aplasia.

    >>> import pandas as pd
    >>> ev = pd.DataFrame({"subject": ["P1", "P1", "P1", "P2"], "day": [90, 10, 300, 200],
    ...                    "event": ["remission", "crs", "last_contact", "last_contact"],
    ...                    "grade": [None, 1, None, None]})
    >>> lanes = swimmer_lanes(ev)
    >>> [(lane.subject, lane.end, lane.remissions) for lane in lanes]
    [('P1', 300.0, [(90.0, 300.0)]), ('P2', 200.0, [])]
    >>> lanes[0].events["crs"]
    [(10.0, 1.0)]
    """
    import pandas as pd

    from smalltrial.trial.model import _EVENT_NAME, EVENTS

    for arg, value in (("subject", subject), ("day", day), ("event", event), ("grade", grade)):
        check_column_name(value, arg)
    check_frame(events, "events")
    # the grade column may be absent under its default name; a name given explicitly must exist
    check_columns(events, [subject, day, event] + ([grade] if grade != "grade" else []), "events")
    days = numeric(events, day, subject=subject, name="events")
    kinds = events[event].astype(str).to_numpy()
    # the event vocabulary is open (smalltrial.trial): any lower-case name; events without a
    # marker of their own are drawn with generic markers named in the legend
    bad = sorted(k for k in set(kinds) if _EVENT_NAME.fullmatch(k) is None)
    if bad:
        raise SmallTrialError(
            f"column {event!r} of events has invalid event name(s) {', '.join(map(repr, bad))}; "
            f"event names are lower-case [a-z][a-z0-9_]* (known: {', '.join(EVENTS)})"
        )
    if np.any(days < 0):
        who = events.loc[days < 0, subject].tolist()
        raise SmallTrialError(
            f"column {day!r} of events must be >= 0 (days since infusion); got "
            f"{days[days < 0].tolist()} (subject {who[:5]!r})"
        )
    grades = (
        pd.to_numeric(events[grade], errors="coerce").to_numpy(float)
        if grade in events.columns
        else np.full(len(events), np.nan)
    )
    frame = pd.DataFrame(
        {"subject": events[subject].to_numpy(), "day": days, "event": kinds, "grade": grades}
    )
    contacts = frame.loc[frame["event"] == "last_contact"].groupby("subject", sort=False, observed=True).size()
    subjects = list(dict.fromkeys(frame["subject"].tolist()))
    wrong = [s for s in subjects if contacts.get(s, 0) != 1]
    if wrong:
        raise SmallTrialError(
            f"every subject needs exactly one 'last_contact' event in column {event!r}; "
            f"subject {wrong[:5]!r} has {[int(contacts.get(s, 0)) for s in wrong[:5]]}"
        )
    has_bcells = bool((frame["event"] == "b_cell_reconstitution").any())
    lanes = []
    for sid in subjects:
        rows = frame.loc[frame["subject"] == sid].sort_values(["day", "event"], kind="mergesort")
        last = float(rows.loc[rows["event"] == "last_contact", "day"].iloc[0])
        deaths = rows.loc[rows["event"] == "death", "day"]
        alive = len(deaths) == 0
        end = last if alive else float(deaths.min())
        end = max(end, float(rows["day"].max()))
        recon = rows.loc[rows["event"] == "b_cell_reconstitution", "day"]
        aplasia = (0.0, float(recon.min()) if len(recon) else end) if has_bcells else None
        remissions: list[tuple[float, float]] = []
        start = None
        for kind, when in zip(rows["event"], rows["day"], strict=True):
            if kind == "remission" and start is None:
                start = float(when)
            elif kind == "relapse" and start is not None:
                remissions.append((start, float(when)))
                start = None
        if start is not None:
            remissions.append((start, end))
        marks: dict[str, list[tuple[float, float]]] = {}
        for kind, when, g in zip(rows["event"], rows["day"], rows["grade"], strict=True):
            if kind != "last_contact":
                marks.setdefault(kind, []).append((float(when), float(g)))
        lanes.append(Lane(sid, end, alive, aplasia, remissions, marks))
    lanes.sort(key=lambda lane: (-lane.end, str(lane.subject)))
    return lanes


def _aplasia_spans(aplasia: Any) -> dict[Any, tuple[float, float]]:
    """subject -> (start, end) days from an ``aplasia`` frame (None: no spans)."""
    if aplasia is None:
        return {}
    check_frame(aplasia, "aplasia")
    check_columns(aplasia, ["subject", "start", "end"], "aplasia")
    start = numeric(aplasia, "start", name="aplasia")
    end = numeric(aplasia, "end", name="aplasia")
    if np.any(end < start):
        raise SmallTrialError(f"aplasia: end must be >= start; got start {start[end < start].tolist()}, "
                              f"end {end[end < start].tolist()}")
    return {s: (float(a), float(b)) for s, a, b in zip(aplasia["subject"], start, end, strict=True)}


def _response_spans(response: Any) -> dict[Any, list[tuple[float, float]]]:
    """subject -> [(start, end)] from a ``subject, start, end`` frame (end NaN: open)."""
    import pandas as pd

    if not isinstance(response, pd.DataFrame):
        raise SmallTrialError(f"response must be a DataFrame with columns subject, start, end, "
                              f"got {type(response).__name__}")
    check_columns(response, ["subject", "start", "end"], "response")
    out: dict[Any, list[tuple[float, float]]] = {}
    for i, (sid, a, b) in enumerate(zip(response["subject"], response["start"], response["end"],
                                        strict=True)):
        try:
            a, b = float(a), float(b)
        except (TypeError, ValueError):
            raise SmallTrialError(f"response row {i}: start/end must be numbers, got "
                                  f"{a!r}, {b!r}") from None
        if not math.isfinite(a) or (not math.isnan(b) and (not math.isfinite(b) or b < a)):
            raise SmallTrialError(f"response row {i}: need a finite start and an end >= start "
                                  f"(or NaN), got start={a!r}, end={b!r}")
        out.setdefault(sid, []).append((a, b))
    return out


def _rects(ax, spans, height, color, alpha, gid, label):
    from matplotlib.collections import PolyCollection

    verts = [
        [(x0, y - height / 2), (x1, y - height / 2), (x1, y + height / 2), (x0, y + height / 2)]
        for x0, x1, y in spans
    ]
    coll = PolyCollection(
        verts, facecolors=color, edgecolors="none", alpha=alpha, gid=gid, label=label
    )
    ax.add_collection(coll, autolim=True)
    return coll


def _arrow_handler():
    from matplotlib.legend_handler import HandlerPatch
    from matplotlib.patches import FancyArrow

    def make(legend, orig_handle, xdescent, ydescent, width, height, fontsize):
        return FancyArrow(
            0, height / 2, width, 0, width=0.0, length_includes_head=True,
            head_width=0.8 * height, head_length=0.35 * width, color="#000000", linewidth=0.6,
        )

    return HandlerPatch(patch_func=make)


def swimmer(
    data: Any,
    *,
    subject: str = "subject",
    day: str = "day",
    event: str = "event",
    grade: str = "grade",
    group: str | None = None,
    unit: str = "days",
    aplasia: Any = "events",
    legend: bool = True,
    ax: Any = None,
    style: str | None = None,
    columns: float = 1,
    height_mm: float | None = None,
    response: Any = None,
    response_label: str = "Remission",
) -> Axes:
    """Swimmer plot of follow-up from the start of treatment (e.g. a CAR-T infusion), one lane per patient.

    Parameters
    ----------
    data : a Trial (its ``events`` table is used) or a tidy events DataFrame with columns
        ``subject, day, event, grade`` (names configurable), ``event`` in
        b_cell_reconstitution, remission, relapse, crs, icans, death, last_contact.
    group : a column (of the Trial's ``subjects`` table, or of the events frame) such as
        ``"cohort"``: lanes are blocked by group (groups in sorted order, by follow-up within
        a group) and labelled "subject (group)".
    unit : ``"days"`` or ``"months"`` (30.4375 days) on the x axis.
    aplasia : where the B-cell aplasia bars come from. ``"events"`` (default): day 0 to the
        first ``b_cell_reconstitution`` event (to the end of follow-up if none), and no bar
        at all when the events hold no ``b_cell_reconstitution`` (no B-cell data); a DataFrame
        with columns ``subject, start, end`` (days; e.g. from the B-cell counts up to the
        reconstitution or the last count); or None for no bars.
    legend : a legend that explains every segment and marker drawn.
    response : optional DataFrame with columns ``subject, start, end`` (days): the periods in
        which each patient met a response rule (e.g. from per-visit assessments); ``end`` NaN
        runs to the end of follow-up. When given, these spans (and a marker at each onset) are
        drawn instead of the ``remission`` events; ``relapse`` markers are still drawn.
    response_label : the legend name of those spans (default ``"Remission"``).

    Lanes are sorted by follow-up, the longest at the top (ties by subject id). Segments:
    follow-up (grey), B-cell aplasia (day 0 to reconstitution, thin dark bar), remission
    (onset to relapse or end of follow-up). Markers: remission onset, B-cell reconstitution,
    relapse, CRS and ICANS (grade printed above the marker), death; an arrow at the end of
    the lane marks a patient alive at last contact (follow-up ongoing). Returns the Axes.

    Example
    -------
    >>> import pandas as pd
    >>> from smalltrial import figures
    >>> ev = pd.DataFrame({"subject": ["P1", "P1", "P2"], "day": [30, 200, 150],
    ...                    "event": ["remission", "last_contact", "last_contact"],
    ...                    "grade": [None, None, None]})
    >>> ax = figures.swimmer(ev)
    """
    check_figure_args(columns, height_mm, group=group)
    check_choice(unit, "unit", ["days", "months"])
    check_flag(legend, "legend")
    frame = trial_frame(data, "events", "data") if is_trial(data) else trial_frame(data, "", "data")
    lanes = swimmer_lanes(frame, subject=subject, day=day, event=event, grade=grade)
    if aplasia is None or not isinstance(aplasia, str):
        spans = _aplasia_spans(aplasia)
        for lane in lanes:
            lane.aplasia = spans.get(lane.subject)
    elif aplasia != "events":
        raise SmallTrialError(f"aplasia must be 'events', a DataFrame or None, got {aplasia!r}")
    if response is not None:
        spans_by_subject = _response_spans(response)
        for lane in lanes:
            lane.remissions = [(a, lane.end if math.isnan(b) else min(b, lane.end))
                               for a, b in spans_by_subject.get(lane.subject, []) if a <= lane.end]
            # the onset of each period is marked (a response seen at one visit only is a point)
            lane.events["remission"] = [(a, math.nan) for a, _ in lane.remissions]
    if not isinstance(response_label, str) or not response_label:
        raise SmallTrialError(f"response_label must be a non-empty text, got {response_label!r}")
    labels = {lane.subject: str(lane.subject) for lane in lanes}
    if group is not None:
        source = frame
        subjects_table = getattr(data, "subjects", None) if is_trial(data) else None
        if subjects_table is not None and group in subjects_table.columns:
            source = subjects_table.rename(columns={"subject": subject})
        check_columns(source, [subject, group], "data")
        first = source.drop_duplicates(subject).set_index(subject)[group]
        missing = [lane.subject for lane in lanes if lane.subject not in first.index]
        if missing:
            raise SmallTrialError(f"no {group!r} for subject {missing[:5]!r}")
        levels = {v: i for i, v in enumerate(levels_of(first))}
        lanes.sort(key=lambda lane: (levels.get(first[lane.subject], len(levels)), -lane.end,
                                     str(lane.subject)))
        labels = {lane.subject: f"{lane.subject} ({first[lane.subject]})" for lane in lanes}
    scale = 1.0 if unit == "days" else 1.0 / DAYS_PER_MONTH
    n = len(lanes)
    if height_mm is None:
        height_mm = min(30.0 + 5.0 * n, 230.0)

    with _drawing(style, ax):
        if ax is None:
            _, ax = new_figure(style, columns, height_mm=height_mm)
        handles = []
        ys = np.arange(n, dtype=float)
        spans = {
            "follow_up": [(0.0, lane.end * scale, y) for lane, y in zip(lanes, ys, strict=True)],
            "remission": [
                (a * scale, b * scale, y)
                for lane, y in zip(lanes, ys, strict=True)
                for a, b in lane.remissions
            ],
            "aplasia": [
                (lane.aplasia[0] * scale, lane.aplasia[1] * scale, y)
                for lane, y in zip(lanes, ys, strict=True)
                if lane.aplasia is not None and lane.aplasia[1] > lane.aplasia[0]
            ],
        }
        for key in ("follow_up", "remission", "aplasia"):
            label, color, height, alpha = SEGMENTS[key]
            if key == "remission":
                label = response_label
            if spans[key]:
                handles.append(
                    _rects(ax, spans[key], height, color, alpha, f"swimmer-phase-{key}", label)
                )
        others = sorted({k for lane in lanes for k in lane.events} - set(MARKERS))
        styles = dict(MARKERS)
        if response is not None:
            styles["remission"] = (f"{response_label}: onset", *MARKERS["remission"][1:])
        for j, kind in enumerate(others):  # open vocabulary: generic markers, named in the legend
            shape, colour = _OTHER_MARKERS[j % len(_OTHER_MARKERS)]
            styles[kind] = (kind.replace("_", " ").capitalize(), shape, colour, "#000000", 3.8)
        for kind, (label, marker, face, edge, size) in styles.items():
            dy = {"crs": -0.17, "icans": 0.17}.get(kind, 0.0)  # CRS above, ICANS below
            pts = [
                (when * scale, y + dy, g)
                for lane, y in zip(lanes, ys, strict=True)
                for when, g in lane.events.get(kind, [])
            ]
            if not pts:
                continue
            xy = np.array([(p[0], p[1]) for p in pts], dtype=float)
            line = ax.plot(
                xy[:, 0], xy[:, 1], linestyle="none", marker=marker, markersize=size,
                markerfacecolor=face, markeredgecolor=edge, markeredgewidth=0.4,
                label=label, gid=f"swimmer-{kind}", zorder=4,
            )[0]
            handles.append(line)
            if kind in ("crs", "icans"):
                for k, (x, y, g) in enumerate(pts):
                    if np.isfinite(g):
                        ax.annotate(
                            f"{int(g)}" if float(g).is_integer() else f"{g:g}",
                            (x, y), xytext=(0, 2.2) if kind == "crs" else (2.6, 0),
                            textcoords="offset points", ha="center" if kind == "crs" else "left",
                            va="bottom" if kind == "crs" else "center", fontsize="x-small",
                            gid=f"swimmer-{kind}-grade-{k}",
                        )
        xmax = max(lane.end for lane in lanes) * scale
        reach = 0.04 * xmax if xmax > 0 else 1.0
        arrows = [(lane.end * scale, y) for lane, y in zip(lanes, ys, strict=True) if lane.alive]
        for k, (x, y) in enumerate(arrows):
            ax.annotate(
                "", xy=(x + reach, y), xytext=(x, y),
                arrowprops={"arrowstyle": "-|>", "color": "#000000", "linewidth": 0.6,
                            "mutation_scale": 5, "shrinkA": 0, "shrinkB": 0},
                gid=f"swimmer-ongoing-{k}",
            )
        ax.set_yticks(ys, [labels[lane.subject] for lane in lanes])
        ax.set_ylim(n - 0.5, -0.5)  # longest follow-up on top
        ax.set_xlim(0.0, xmax + 2.2 * reach)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_xlabel(f"{'Days' if unit == 'days' else 'Months'} since start of treatment")
        if legend:
            handler_map = {}
            if arrows:
                from matplotlib.patches import FancyArrow

                proxy = FancyArrow(0, 0, 1, 0, color="#000000", label="Alive at last contact")
                handles.append(proxy)
                handler_map[proxy] = _arrow_handler()
            ax.legend(
                handles=handles, handler_map=handler_map, loc="lower center",
                bbox_to_anchor=(0.5, 1.0), fontsize="small", handletextpad=0.4,
                # three columns fit the usual labels; a long one (a response rule's label)
                # in three columns would be wider than the figure
                ncol=3 if max(len(str(h.get_label())) for h in handles) <= 24 else 2,
            )
    return ax
