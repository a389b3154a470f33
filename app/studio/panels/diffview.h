#pragma once

#include <QPlainTextEdit>
#include <QVector>
#include <array>

class QPalette;

namespace nimbus::git {
struct FileDiff;
}

namespace nimbus::studio {

// A read-only, unwrapped, monospace view of a diff with a gutter of line numbers: two
// columns (old, new) for the inline view, one for a side of the side-by-side view.
class DiffTextView : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit DiffTextView(int gutterColumns, QWidget *parent = nullptr);

    // One entry per block of the document: {old, new} line numbers, -1 where there is none
    // (a hunk header, an added line's old side). A one-column view reads only [0].
    void setLineNumbers(QVector<std::array<int, 2>> numbers);
    int oldLine(int block) const;
    int newLine(int block) const;

    int gutterWidth() const;
    void paintGutter(QPaintEvent *event, QWidget *gutter);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    int m_columns;
    QWidget *m_gutter;
    QVector<std::array<int, 2>> m_numbers;
};

// Each of these replaces the views' content. The colours come from the caller's palette, so
// the diff reads on a light or a dark theme alike.

// The whole diff in a two-column view: each hunk's header, then its lines with their origin.
void showInline(DiffTextView *view, const git::FileDiff &diff, const QPalette &palette);
// Old on the left, new on the right, row for row: a run of removed lines faces the run of
// added lines that replaced it, the shorter side padded, so both panes scroll together.
void showSideBySide(DiffTextView *oldView, DiffTextView *newView, const git::FileDiff &diff,
                    const QPalette &palette);
// One unnumbered line saying why there is no diff, or an empty view if text is empty.
void showMessage(DiffTextView *view, const QString &text);

} // namespace nimbus::studio
