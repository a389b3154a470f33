#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace nimbus::studio {

class CodeEditor;

// Find and replace in the current editor (Ctrl+F, Ctrl+H): next and previous match,
// case and whole-word options, replace one or all; Escape closes.
class FindBar : public QWidget {
    Q_OBJECT
public:
    explicit FindBar(QWidget *parent = nullptr);

    void open(CodeEditor *editor, bool replace);
    bool findNext(bool forward = true);
    int replaceAll();
    QLineEdit *findField() const { return m_find; }
    QLineEdit *replaceField() const { return m_replace; }

protected:
    void keyPressEvent(QKeyEvent *event) override;

private:
    CodeEditor *m_editor = nullptr;
    QLineEdit *m_find;
    QLineEdit *m_replace;
    QCheckBox *m_case;
    QCheckBox *m_word;
    QPushButton *m_replaceOne;
    QPushButton *m_replaceAll;
    QLabel *m_result;
};

} // namespace nimbus::studio
