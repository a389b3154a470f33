#include "waterfallview.h"

#include "models/tracesmodel.h"

#include <QApplication>
#include <QHeaderView>
#include <QPainter>
#include <QStyledItemDelegate>
#include <limits>

namespace nimbus::studio {

namespace {

constexpr int kBarPadding = 8;   // space left and right of the timeline
constexpr int kTickSpacing = 80; // pixels per tick, about
constexpr int kMinBarWidth = 2;

// The part of a timeline cell (or header section) that the trace's duration spans.
QRect timelineArea(const QRect &cell) {
    return cell.adjusted(kBarPadding, 0, -kBarPadding, 0);
}

QList<WaterfallLayout::Tick> ticksFor(const WaterfallModel *model, int width) {
    if (!model || width <= 0)
        return {};
    return model->layout().ticks(std::max(2, width / kTickSpacing));
}

QColor gridColor(const QPalette &palette) {
    QColor c = palette.color(QPalette::Text);
    c.setAlpha(28);
    return c;
}

// Paints the bars (and the ticks' grid lines behind them) in the timeline column.
class SpanBarDelegate : public QStyledItemDelegate {
public:
    explicit SpanBarDelegate(WaterfallView *view)
        : QStyledItemDelegate(view)
        , m_view(view) {}

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override {
        if (index.column() != WaterfallModel::TimelineColumn) {
            QStyledItemDelegate::paint(painter, option, index);
            return;
        }
        QStyleOptionViewItem background = option;
        initStyleOption(&background, index);
        background.text.clear();
        const QWidget *widget = option.widget;
        QStyle *style = widget ? widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

        painter->save();
        const QRect area = timelineArea(option.rect);
        painter->setPen(gridColor(option.palette));
        for (const auto &tick : ticksFor(m_view->waterfall(), area.width())) {
            const int x = area.left() + static_cast<int>(tick.position * area.width());
            painter->drawLine(x, option.rect.top(), x, option.rect.bottom());
        }
        const double start = index.data(WaterfallModel::BarStartRole).toDouble();
        const double width = index.data(WaterfallModel::BarWidthRole).toDouble();
        const bool error = index.data(WaterfallModel::ErrorRole).toBool();
        const QString kind = index.data(WaterfallModel::KindRole).toString();
        const int x = area.left() + static_cast<int>(start * area.width());
        const int w = std::max(kMinBarWidth, static_cast<int>(width * area.width()));
        const int h = std::max(6, option.rect.height() - 8);
        const QRect bar(x, option.rect.top() + (option.rect.height() - h) / 2, w, h);
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(WaterfallView::barColor(kind, error));
        painter->drawRoundedRect(bar, 2, 2);

        // The duration beside the bar: after it when there is room, else before it, else in it.
        const QString text =
            index.siblingAtColumn(WaterfallModel::DurationColumn).data().toString();
        const int textWidth = option.fontMetrics.horizontalAdvance(text) + 6;
        QRect label;
        QColor color = (option.state & QStyle::State_Selected)
                           ? option.palette.color(QPalette::HighlightedText)
                           : option.palette.color(QPalette::Text);
        if (bar.right() + textWidth <= option.rect.right()) {
            label = QRect(bar.right() + 4, option.rect.top(), textWidth, option.rect.height());
        } else if (bar.left() - textWidth >= option.rect.left()) {
            label = QRect(bar.left() - textWidth, option.rect.top(), textWidth - 4,
                          option.rect.height());
        } else {
            label = bar.adjusted(4, 0, -4, 0);
            color = Qt::white;
        }
        painter->setPen(color);
        painter->drawText(label, Qt::AlignVCenter | Qt::AlignLeft, text);
        painter->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override {
        QSize size = QStyledItemDelegate::sizeHint(option, index);
        size.setHeight(std::max(size.height(), option.fontMetrics.height() + 8));
        return size;
    }

private:
    WaterfallView *m_view;
};

// The header, with the time scale's tick labels over the timeline column (drawn over the
// section once the header has painted itself, in place of its title).
class TimeScaleHeader : public QHeaderView {
public:
    explicit TimeScaleHeader(WaterfallView *view)
        : QHeaderView(Qt::Horizontal, view)
        , m_view(view) {}

protected:
    void paintSection(QPainter *painter, const QRect &rect, int logicalIndex) const override {
        if (logicalIndex != WaterfallModel::TimelineColumn || !hasScale()) {
            QHeaderView::paintSection(painter, rect, logicalIndex);
            return;
        }
        QStyleOptionHeader option;
        initStyleOption(&option);
        option.rect = rect;
        option.section = logicalIndex;
        style()->drawControl(QStyle::CE_HeaderSection, &option, painter, this);
    }

    void paintEvent(QPaintEvent *event) override {
        QHeaderView::paintEvent(event);
        if (!hasScale())
            return;
        QPainter painter(viewport());
        const QRect rect(sectionViewportPosition(WaterfallModel::TimelineColumn), 0,
                         sectionSize(WaterfallModel::TimelineColumn), viewport()->height());
        const QRect area = timelineArea(rect);
        const QFontMetrics metrics(font());
        int lastRight = std::numeric_limits<int>::min() / 2;
        for (const auto &tick : ticksFor(m_view->waterfall(), area.width())) {
            const int x = area.left() + static_cast<int>(tick.position * area.width());
            painter.setPen(palette().color(QPalette::Mid));
            painter.drawLine(x, rect.bottom() - 3, x, rect.bottom());
            const int w = metrics.horizontalAdvance(tick.label);
            const int left = std::clamp(x - w / 2, rect.left() + 2,
                                        std::max(rect.left() + 2, rect.right() - w - 2));
            if (left <= lastRight + 6)
                continue; // would overlap the last label
            painter.setPen(palette().color(QPalette::ButtonText));
            painter.drawText(QRect(left, rect.top(), w, rect.height() - 3),
                             Qt::AlignVCenter | Qt::AlignLeft, tick.label);
            lastRight = left + w;
        }
    }

private:
    bool hasScale() const { return m_view->waterfall() && m_view->waterfall()->rowCount() > 0; }

    WaterfallView *m_view;
};

} // namespace

WaterfallView::WaterfallView(QWidget *parent)
    : QTreeView(parent) {
    setHeader(new TimeScaleHeader(this));
    setItemDelegate(new SpanBarDelegate(this));
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setAllColumnsShowFocus(true);
    setUniformRowHeights(true);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setIndentation(14);
    header()->setStretchLastSection(true);
    header()->setSectionsMovable(false);
}

void WaterfallView::setWaterfall(WaterfallModel *model) {
    m_model = model;
    setModel(model);
    header()->setSectionResizeMode(WaterfallModel::NameColumn, QHeaderView::Interactive);
    header()->setSectionResizeMode(WaterfallModel::DurationColumn, QHeaderView::ResizeToContents);
    setColumnWidth(WaterfallModel::NameColumn, 220);
    // A new trace: open every level, and let the scale's labels follow.
    connect(model, &WaterfallModel::traceChanged, this, [this] {
        expandAll();
        header()->viewport()->update();
    });
}

QColor WaterfallView::barColor(const QString &kind, bool error) {
    if (error)
        return QColor(0xd3, 0x2f, 0x2f);
    if (kind == "server")
        return QColor(0x4e, 0x79, 0xa7); // the gateway, the control plane
    if (kind == "consumer")
        return QColor(0xb0, 0x7a, 0xa1); // an asynchronous run
    if (kind == "client" || kind == "producer")
        return QColor(0xf2, 0x8e, 0x2b);
    return QColor(0x59, 0xa1, 0x4f); // a function running
}

} // namespace nimbus::studio
