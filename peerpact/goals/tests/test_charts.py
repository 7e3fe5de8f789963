from __future__ import annotations

from decimal import Decimal as D

import pytest

from peerpact.goals import charts


def test_nothing_to_draw_without_values():
    assert charts.line_chart(points=[], baseline=D(0), target=D(10)) is None


def test_values_are_scaled_into_the_plot_with_higher_values_higher_up():
    chart = charts.line_chart(points=[(1, D(0)), (2, D(5)), (3, D(10))], baseline=D(0), target=D(10))
    assert chart is not None
    plot = chart.plot
    first, middle, last = chart.points
    assert (first.x, last.x) == (plot.left, plot.right)
    assert middle.x == pytest.approx((plot.left + plot.right) / 2, abs=0.1)
    assert (first.y, last.y) == (plot.bottom, plot.top)  # SVG y grows downward
    assert middle.y == pytest.approx((plot.top + plot.bottom) / 2, abs=0.1)
    assert chart.baseline_y == plot.bottom and chart.target_y == plot.top
    assert chart.view_box == f"0 0 {charts.WIDTH} {charts.HEIGHT}"


def test_every_coordinate_stays_inside_the_view_box():
    chart = charts.line_chart(
        points=[(i, D(i * i) - D(20)) for i in range(1, 13)], baseline=D(-20), target=D(150)
    )
    assert chart is not None
    for p in chart.points:
        assert 0 <= p.x <= chart.width and 0 <= p.y <= chart.height
    assert chart.value_label_x >= 0 and chart.cycle_label_y <= chart.height


def test_points_are_drawn_in_cycle_order():
    chart = charts.line_chart(points=[(3, D(7)), (1, D(2)), (2, D(4))], baseline=D(0), target=D(10))
    assert chart is not None
    assert [p.index for p in chart.points] == [1, 2, 3]
    xs = [p.x for p in chart.points]
    assert xs == sorted(xs)


def test_a_single_point_sits_in_the_middle_across():
    chart = charts.line_chart(points=[(4, D(3))], baseline=D(0), target=D(6))
    assert chart is not None
    (only,) = chart.points
    assert only.x == pytest.approx(chart.plot.center_x, abs=0.1)
    assert only.y == pytest.approx((chart.plot.top + chart.plot.bottom) / 2, abs=0.1)
    assert [t.label for t in chart.x_ticks] == [4]
    assert chart.polyline.count(",") == 1


def test_a_flat_line_without_target_is_drawn_across_the_middle():
    chart = charts.line_chart(points=[(1, D(5)), (2, D(5)), (3, D(5))], baseline=D(5), target=None)
    assert chart is not None
    middle = (chart.plot.top + chart.plot.bottom) / 2
    assert [p.y for p in chart.points] == pytest.approx([middle] * 3, abs=0.1)
    assert chart.y_min < D(5) < chart.y_max
    assert chart.target_y is None


def test_a_flat_line_at_zero_does_not_invent_negative_values():
    low, high = charts.value_domain([D(0), D(0)])
    assert (low, high) == (D(0), D(1))


def test_a_flat_negative_series_keeps_room_on_both_sides():
    low, high = charts.value_domain([D(-50)])
    assert low < D(-50) < high


def test_a_decrease_goal_has_its_target_below_the_baseline_and_falls_toward_it():
    chart = charts.line_chart(points=[(1, D(80)), (2, D(77)), (3, D(74))], baseline=D(82), target=D(70))
    assert chart is not None
    assert chart.target_y is not None and chart.target_y > chart.baseline_y  # lower on screen
    assert (chart.y_min, chart.y_max) == (D(70), D(82))
    ys = [p.y for p in chart.points]
    assert ys == sorted(ys)  # each value lower than the last: further down the plot
    assert all(chart.baseline_y < y < chart.target_y for y in ys)


def test_the_axis_reaches_a_target_far_beyond_the_values():
    chart = charts.line_chart(points=[(1, D(2)), (2, D(3))], baseline=D(0), target=D(100))
    assert chart is not None
    assert chart.y_max == D(100) and chart.target_y == chart.plot.top
    assert [t.label for t in chart.y_ticks] == [D(100), D(0)]


def test_the_polyline_never_uses_locale_formatting():
    chart = charts.line_chart(points=[(1, D("1.5")), (2, D("2.25"))], baseline=D(0), target=D(3))
    assert chart is not None
    pairs = chart.polyline.split(" ")
    assert len(pairs) == 2
    for pair in pairs:
        x, y = pair.split(",")
        float(x), float(y)


@pytest.mark.parametrize(
    ("count", "most"),
    [(1, 8), (8, 8), (9, 8), (10, 8), (16, 8), (52, 8), (53, 8), (5, 2)],
)
def test_cycle_labels_are_thinned_but_keep_the_first_and_last(count, most):
    indexes = list(range(1, count + 1))
    kept = charts.thin_labels(indexes, most=most)
    assert kept[0] == 1 and kept[-1] == count
    assert len(kept) <= most
    assert kept == sorted(set(kept))


def test_percent_is_clamped_and_rounded():
    assert charts.percent(None) is None
    assert charts.percent(0.426) == 43
    assert charts.percent(1.7) == 100
    assert charts.percent(-0.2) == 0
