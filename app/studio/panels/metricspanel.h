#pragma once

#include "models/metricsmodel.h"

#include <QWidget>

class QChart;
class QChartView;
class QComboBox;
class QDateTimeAxis;
class QLabel;
class QTableView;
class QValueAxis;

namespace nimbus::studio {

class FilterBar;
class SimulatorReader;

class FunctionsModel;
class SimulatorConnection;
class StateStack;
class VisibleRefresh;

// The Metrics panel: a function (or all) and a range (15 minutes to a day); per function the
// invocations, errors, throttles, cold starts, duration percentiles and memory in a table;
// invocations with errors, and the p50/p99 durations, over time in two charts. It reads the
// simulator's /_nimbus/metrics when shown and every few seconds while it stays in view.
class MetricsPanel : public QWidget {
    Q_OBJECT
public:
    MetricsPanel(SimulatorConnection *simulator, FunctionsModel *functions,
                 QWidget *parent = nullptr);

    // Reads the metrics again (nothing when the simulator is not running: the panel says so).
    void refresh();
    // "" for all functions.
    void setFunction(const QString &function);
    QString function() const;
    // An index into metricsRanges().
    void setRange(int index);
    const MetricsRange &range() const;

    MetricsTableModel *table() const { return m_model; }
    QTableView *tableView() const { return m_table; }
    QChart *invocationsChart() const { return m_invocationsChart; }
    QChart *durationChart() const { return m_durationChart; }
    StateStack *states() const { return m_states; }
    QLabel *status() const;
    bool isPolling() const;

signals:
    // A refresh was answered (with figures, or with the reason there are none).
    void refreshed();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void fitTimeTicks();
    void show(const MetricsSnapshot &snapshot, qint64 fromMs, qint64 toMs);
    void showCharts(const MetricsSnapshot &snapshot, qint64 fromMs, qint64 toMs);
    void showUnavailable(const QString &why);

    MetricsTableModel *m_model;
    FilterBar *m_bar;
    QComboBox *m_range;
    QTableView *m_table;
    QChartView *m_invocationsView;
    QChartView *m_durationView;
    QChart *m_invocationsChart;
    QChart *m_durationChart;
    QDateTimeAxis *m_invocationsTime;
    QValueAxis *m_countAxis;
    QDateTimeAxis *m_durationTime;
    QValueAxis *m_durationAxis;
    StateStack *m_states;
    VisibleRefresh *m_poller;
    qint64 m_axisFromMs = 0, m_axisToMs = 0; // the time the charts cover
    SimulatorReader *m_reader;
};

} // namespace nimbus::studio
