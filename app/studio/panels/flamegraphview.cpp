#include "flamegraphview.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

namespace nimbus::studio {

namespace {

constexpr int kMargin = 2;
constexpr double kMinBoxWidth = 0.75; // pixels: narrower boxes are not drawn

quint32 nameHash(const QString &name) {
    quint32 h = 2166136261u; // FNV-1a: stable across runs, so a frame keeps its colour
    for (const QChar c : name) {
        h ^= c.unicode();
        h *= 16777619u;
    }
    return h;
}

} // namespace

FlameGraphView::FlameGraphView(QWidget *parent)
    : QWidget(parent) {
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void FlameGraphView::setGraph(const FlameGraph &graph, const QString &projectDir) {
    m_graph = graph;
    m_projectDir = projectDir;
    m_focus = 0;
    m_hover = -1;
    m_highlightFrame = -1;
    relayout();
    updateGeometry();
    emit zoomChanged(m_focus);
}

int FlameGraphView::rowHeight() const {
    return fontMetrics().height() + 6;
}

QSize FlameGraphView::sizeHint() const {
    return {600, (m_graph.maxDepth() + 1) * rowHeight() + 2 * kMargin};
}

QSize FlameGraphView::minimumSizeHint() const {
    return {200, (m_graph.maxDepth() + 1) * rowHeight() + 2 * kMargin};
}

void FlameGraphView::relayout() {
    m_boxes = m_graph.isValid() && !m_graph.isEmpty()
                  ? m_graph.boxes(m_focus, std::max(1, width() - 2 * kMargin), kMinBoxWidth)
                  : QList<FlameGraph::Box>();
    updateDescription();
    update();
}

void FlameGraphView::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    relayout();
}

QRectF FlameGraphView::boxRect(const FlameGraph::Box &box) const {
    const int h = rowHeight();
    return QRectF(kMargin + box.x, kMargin + box.depth * h, box.width, h - 1);
}

QColor FlameGraphView::colorOf(int node) const {
    if (node == 0)
        return QColor(0xb0, 0xb4, 0xba);
    const FlameGraph::Node &n = m_graph.node(node);
    const quint32 h = nameHash(n.name);
    const bool own = !m_projectDir.isEmpty() && n.file.startsWith(m_projectDir + "/");
    // Every other level a shade apart, so that a recursion's rows read as rows.
    const int shade = n.depth % 2 == 0 ? 0 : 12;
    if (own) // warm: red-orange to yellow, light enough for dark text
        return QColor::fromHsv(8 + static_cast<int>(h % 42),
                               150 + static_cast<int>((h >> 8) % 60) - shade,
                               235 + static_cast<int>((h >> 16) % 20));
    // The runtime's, the standard library's, other packages': cool and quieter.
    return QColor::fromHsv(195 + static_cast<int>(h % 35),
                           55 + static_cast<int>((h >> 8) % 50) + shade,
                           215 + static_cast<int>((h >> 16) % 30));
}

void FlameGraphView::paintEvent(QPaintEvent *) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Base));
    const QFontMetrics metrics = fontMetrics();
    for (const FlameGraph::Box &box : std::as_const(m_boxes)) {
        const QRectF r = boxRect(box);
        QColor fill = colorOf(box.node);
        if (box.ancestor)
            fill = fill.lighter(115);
        painter.fillRect(r, fill);
        const bool highlighted =
            m_highlightFrame >= 0 && m_graph.node(box.node).frame == m_highlightFrame;
        if (box.node == m_hover || highlighted) {
            painter.setPen(QPen(highlighted ? QColor(0x1e, 0x4f, 0xa0) : QColor(0x20, 0x20, 0x20),
                                highlighted ? 2.0 : 1.0));
            painter.drawRect(r.adjusted(0.5, 0.5, -0.5, -0.5));
        }
        if (r.width() > 24) {
            const FlameGraph::Node &n = m_graph.node(box.node);
            const QString label =
                metrics.elidedText(n.name, Qt::ElideRight, static_cast<int>(r.width()) - 6);
            painter.setPen(box.ancestor ? QColor(0x55, 0x55, 0x55) : QColor(0x1a, 0x1a, 0x1a));
            painter.drawText(r.adjusted(3, 0, -3, 0), Qt::AlignVCenter | Qt::AlignLeft, label);
        }
    }
    if (hasFocus()) {
        painter.setPen(QPen(palette().color(QPalette::Highlight), 1, Qt::DotLine));
        painter.drawRect(rect().adjusted(0, 0, -1, -1));
    }
}

int FlameGraphView::nodeAt(const QPoint &pos) const {
    for (const FlameGraph::Box &box : m_boxes)
        if (boxRect(box).contains(pos))
            return box.node;
    return -1;
}

QString FlameGraphView::describe(int node) const {
    if (node < 0 || node >= m_graph.nodes().size())
        return {};
    const FlameGraph::Node &n = m_graph.node(node);
    const double total = m_graph.totalUs();
    auto share = [total](double us) { return total > 0 ? 100.0 * us / total : 0.0; };
    QString where;
    if (!n.file.isEmpty()) {
        const QString file = !m_projectDir.isEmpty() && n.file.startsWith(m_projectDir + "/")
                                 ? n.file.mid(m_projectDir.size() + 1)
                                 : n.file;
        where = n.line > 0 ? file + ":" + QString::number(n.line) : file;
    }
    return tr("%1%2\nself %3 (%4%)\ntotal %5 (%6%)")
        .arg(n.name, where.isEmpty() ? QString() : "\n" + where, formatProfileTime(n.selfUs))
        .arg(share(n.selfUs), 0, 'f', 1)
        .arg(formatProfileTime(n.totalUs))
        .arg(share(n.totalUs), 0, 'f', 1);
}

void FlameGraphView::updateDescription() {
    if (!m_graph.isValid() || m_graph.isEmpty()) {
        setAccessibleDescription(tr("No profile"));
        return;
    }
    QStringList heaviest;
    for (const auto &h : m_graph.hotFrames().mid(0, 3))
        heaviest.append(tr("%1 %2 self").arg(h.name, formatProfileTime(h.selfUs)));
    setAccessibleDescription(tr("Zoomed on %1. Heaviest frames: %2")
                                 .arg(m_graph.node(m_focus).name, heaviest.join(", ")));
}

bool FlameGraphView::event(QEvent *event) {
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int node = nodeAt(help->pos());
        if (node >= 0)
            QToolTip::showText(help->globalPos(), describe(node), this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

void FlameGraphView::mouseMoveEvent(QMouseEvent *event) {
    const int node = nodeAt(event->position().toPoint());
    if (node != m_hover) {
        m_hover = node;
        setCursor(node >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
        // The tooltip follows from box to box without waiting for the pointer to rest.
        if (node >= 0 && QToolTip::isVisible())
            QToolTip::showText(event->globalPosition().toPoint(), describe(node), this);
        update();
    }
}

void FlameGraphView::leaveEvent(QEvent *event) {
    m_hover = -1;
    update();
    QWidget::leaveEvent(event);
}

void FlameGraphView::mousePressEvent(QMouseEvent *event) {
    if (event->button() != Qt::LeftButton)
        return;
    const int node = nodeAt(event->position().toPoint());
    if (node >= 0 && node != m_focus)
        zoomTo(node);
}

void FlameGraphView::mouseDoubleClickEvent(QMouseEvent *event) {
    const int node = nodeAt(event->position().toPoint());
    if (node <= 0)
        return;
    const FlameGraph::Node &n = m_graph.node(node);
    if (!n.file.isEmpty())
        emit openLocation(n.file, std::max(0, n.line - 1), 0);
}

void FlameGraphView::keyPressEvent(QKeyEvent *event) {
    if (event->key() == Qt::Key_Escape && m_focus != 0) {
        resetZoom();
        return;
    }
    if (event->key() == Qt::Key_Backspace && m_focus != 0) {
        zoomTo(m_graph.node(m_focus).parent);
        return;
    }
    QWidget::keyPressEvent(event);
}

void FlameGraphView::zoomTo(int node) {
    if (node < 0 || node >= m_graph.nodes().size() || node == m_focus)
        return;
    m_focus = node;
    relayout();
    emit zoomChanged(node);
}

void FlameGraphView::resetZoom() {
    zoomTo(0);
}

void FlameGraphView::highlightFrame(int frame) {
    m_highlightFrame = frame;
    update();
}

} // namespace nimbus::studio
