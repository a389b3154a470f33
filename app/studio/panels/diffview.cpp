#include "diffview.h"

#include "nimbus/git/gitrepository.h"

#include <QFontDatabase>
#include <QPainter>
#include <QPalette>
#include <QTextBlock>
#include <algorithm>

namespace nimbus::studio {

namespace {

QString fromStd(const std::string &text) {
    return QString::fromStdString(text);
}

// Diff colours that read on light and dark palettes alike.
struct DiffColors {
    QColor added, removed, hunk, hunkText, filler;
    explicit DiffColors(const QPalette &palette) {
        const bool dark = palette.color(QPalette::Base).lightness() < 128;
        added = dark ? QColor("#1d3b26") : QColor("#e6ffec");
        removed = dark ? QColor("#4b1e22") : QColor("#ffebe9");
        hunk = dark ? QColor("#1f2f45") : QColor("#ddf4ff");
        hunkText = dark ? QColor("#8fb8e8") : QColor("#57606a");
        filler = palette.color(QPalette::AlternateBase).darker(dark ? 80 : 104);
    }
};

// Appends one line to a diff document, its background across the whole width.
class DiffWriter {
public:
    explicit DiffWriter(DiffTextView *view)
        : m_view(view)
        , m_cursor(view->document()) {
        m_view->clear();
        m_cursor = QTextCursor(m_view->document());
        m_cursor.beginEditBlock();
    }
    void line(const QString &text, const QColor &background = {}, const QColor &foreground = {},
              int oldLine = -1, int newLine = -1) {
        QTextBlockFormat block;
        if (background.isValid())
            block.setBackground(background);
        QTextCharFormat chars;
        if (foreground.isValid())
            chars.setForeground(foreground);
        if (m_numbers.isEmpty()) {
            m_cursor.setBlockFormat(block);
            m_cursor.setBlockCharFormat(chars);
        } else {
            m_cursor.insertBlock(block, chars);
        }
        m_cursor.insertText(text, chars);
        m_numbers.append({oldLine, newLine});
    }
    ~DiffWriter() {
        m_cursor.endEditBlock();
        m_view->setLineNumbers(m_numbers);
        m_view->moveCursor(QTextCursor::Start);
    }

private:
    DiffTextView *m_view;
    QTextCursor m_cursor;
    QVector<std::array<int, 2>> m_numbers;
};

class Gutter : public QWidget {
public:
    explicit Gutter(DiffTextView *view)
        : QWidget(view)
        , m_view(view) {}

protected:
    void paintEvent(QPaintEvent *event) override { m_view->paintGutter(event, this); }

private:
    DiffTextView *m_view;
};

} // namespace

DiffTextView::DiffTextView(int gutterColumns, QWidget *parent)
    : QPlainTextEdit(parent)
    , m_columns(gutterColumns)
    , m_gutter(new Gutter(this)) {
    setReadOnly(true);
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setTabStopDistance(4 * fontMetrics().horizontalAdvance(' '));
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    connect(this, &QPlainTextEdit::updateRequest, m_gutter, [this](const QRect &rect, int dy) {
        if (dy)
            m_gutter->scroll(0, dy);
        else
            m_gutter->update(0, rect.y(), m_gutter->width(), rect.height());
    });
    setLineNumbers({});
}

void DiffTextView::setLineNumbers(QVector<std::array<int, 2>> numbers) {
    m_numbers = std::move(numbers);
    setViewportMargins(gutterWidth(), 0, 0, 0);
    const QRect area = contentsRect();
    m_gutter->setGeometry(area.left(), area.top(), gutterWidth(), area.height());
    m_gutter->update();
}

int DiffTextView::oldLine(int block) const {
    return block >= 0 && block < m_numbers.size() ? m_numbers[block][0] : -1;
}

int DiffTextView::newLine(int block) const {
    return block >= 0 && block < m_numbers.size() ? m_numbers[block][m_columns == 1 ? 0 : 1] : -1;
}

int DiffTextView::gutterWidth() const {
    int largest = 999;
    for (const auto &pair : m_numbers)
        largest = std::max({largest, pair[0], pair[1]});
    const int digits = QString::number(largest).size();
    return m_columns * (digits * fontMetrics().horizontalAdvance('9') + 10) + 4;
}

void DiffTextView::paintGutter(QPaintEvent *event, QWidget *gutter) {
    QPainter painter(gutter);
    painter.setFont(font());
    painter.fillRect(event->rect(), palette().color(QPalette::AlternateBase));
    const int columnWidth = (gutter->width() - 4) / m_columns;
    QTextBlock block = firstVisibleBlock();
    qreal top = blockBoundingGeometry(block).translated(contentOffset()).top();
    while (block.isValid() && top <= event->rect().bottom()) {
        const qreal height = blockBoundingRect(block).height();
        const int index = block.blockNumber();
        if (block.isVisible() && top + height >= event->rect().top() && index < m_numbers.size()) {
            // The line's band continues into the gutter, a shade stronger.
            const QBrush band = block.blockFormat().background();
            if (band.style() != Qt::NoBrush)
                painter.fillRect(QRectF(0, top, gutter->width(), height), band.color().darker(106));
            painter.setPen(palette().color(QPalette::PlaceholderText));
            for (int c = 0; c < m_columns; ++c) {
                const int number = m_numbers[index][c];
                if (number > 0)
                    painter.drawText(QRectF(c * columnWidth, top, columnWidth - 6, height),
                                     Qt::AlignRight | Qt::AlignVCenter, QString::number(number));
            }
        }
        block = block.next();
        top += height;
    }
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawLine(gutter->width() - 1, event->rect().top(), gutter->width() - 1,
                     event->rect().bottom());
}

void DiffTextView::resizeEvent(QResizeEvent *event) {
    QPlainTextEdit::resizeEvent(event);
    const QRect area = contentsRect();
    m_gutter->setGeometry(area.left(), area.top(), gutterWidth(), area.height());
}

void showInline(DiffTextView *view, const git::FileDiff &diff, const QPalette &palette) {
    const DiffColors colors(palette);
    DiffWriter out(view);
    for (const git::DiffHunk &hunk : diff.hunks) {
        out.line(fromStd(hunk.header), colors.hunk, colors.hunkText);
        for (const git::DiffLine &line : hunk.lines) {
            const QColor background = line.origin == '+'   ? colors.added
                                      : line.origin == '-' ? colors.removed
                                                           : QColor();
            out.line(QChar(line.origin) + fromStd(line.text), background, {}, line.oldLine,
                     line.newLine);
        }
    }
}

void showSideBySide(DiffTextView *oldView, DiffTextView *newView, const git::FileDiff &diff,
                    const QPalette &palette) {
    const DiffColors colors(palette);
    DiffWriter left(oldView);
    DiffWriter right(newView);
    for (const git::DiffHunk &hunk : diff.hunks) {
        left.line(fromStd(hunk.header), colors.hunk, colors.hunkText);
        right.line(fromStd(hunk.header), colors.hunk, colors.hunkText);
        const auto &lines = hunk.lines;
        for (std::size_t i = 0; i < lines.size();) {
            if (lines[i].origin == ' ') {
                left.line(fromStd(lines[i].text), {}, {}, lines[i].oldLine);
                right.line(fromStd(lines[i].text), {}, {}, lines[i].newLine);
                ++i;
                continue;
            }
            std::vector<const git::DiffLine *> removed, added;
            for (; i < lines.size() && lines[i].origin != ' '; ++i)
                (lines[i].origin == '-' ? removed : added).push_back(&lines[i]);
            for (std::size_t row = 0; row < std::max(removed.size(), added.size()); ++row) {
                if (row < removed.size())
                    left.line(fromStd(removed[row]->text), colors.removed, {},
                              removed[row]->oldLine);
                else
                    left.line(QString(), colors.filler);
                if (row < added.size())
                    right.line(fromStd(added[row]->text), colors.added, {}, added[row]->newLine);
                else
                    right.line(QString(), colors.filler);
            }
        }
    }
}

void showMessage(DiffTextView *view, const QString &text) {
    DiffWriter out(view);
    if (!text.isEmpty())
        out.line(text);
}

} // namespace nimbus::studio
