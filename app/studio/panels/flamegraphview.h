#pragma once

#include "models/flamegraph.h"

#include <QWidget>

namespace nimbus::studio {

// A flame graph drawn as an icicle (the root on top, callees below): a box per call path,
// as wide as the time spent in it. Hovering shows a box's name, place, self and total
// time; a click zooms into it (a click on a box above zooms back out to it), Escape or
// resetZoom() shows everything again; a double-click asks to open its line. The project's
// own code is drawn in warm colours, the runtime's and libraries' in cool ones.
class FlameGraphView : public QWidget {
    Q_OBJECT
public:
    explicit FlameGraphView(QWidget *parent = nullptr);

    void setGraph(const FlameGraph &graph, const QString &projectDir);
    const FlameGraph &graph() const { return m_graph; }
    void zoomTo(int node);
    void resetZoom();
    int zoomedNode() const { return m_focus; }
    // Outlines every box of a frame (a row chosen in the top table); -1 for none.
    void highlightFrame(int frame);
    // The node under a point of the widget, -1 for none.
    int nodeAt(const QPoint &pos) const;
    // The text of a node's tooltip: name, file:line, self and total time with their shares.
    QString describe(int node) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void zoomChanged(int node);
    void openLocation(const QString &path, int line, int column);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseDoubleClickEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    bool event(QEvent *event) override;

private:
    int rowHeight() const;
    QRectF boxRect(const FlameGraph::Box &box) const;
    QColor colorOf(int node) const;
    void relayout();
    void updateDescription();

    FlameGraph m_graph;
    QString m_projectDir;
    QList<FlameGraph::Box> m_boxes;
    int m_focus = 0;
    int m_hover = -1;
    int m_highlightFrame = -1;
};

} // namespace nimbus::studio
