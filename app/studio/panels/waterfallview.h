#pragma once

#include <QTreeView>

namespace nimbus::studio {

class WaterfallModel;

// A trace as a waterfall: one row per span under its parent (so indented by depth), its
// name and duration as text, and in the timeline column a bar placed and sized by its start
// and duration on the trace's time scale, whose ticks the header shows. Bars are coloured
// by the span's kind, red when it failed. A tree view, so every row's text is there for
// the keyboard and a screen reader; only the bars and the scale are painted.
class WaterfallView : public QTreeView {
    Q_OBJECT
public:
    explicit WaterfallView(QWidget *parent = nullptr);

    void setWaterfall(WaterfallModel *model);
    WaterfallModel *waterfall() const { return m_model; }

    // The colour of a span's bar.
    static QColor barColor(const QString &kind, bool error);

private:
    WaterfallModel *m_model = nullptr;
};

} // namespace nimbus::studio
