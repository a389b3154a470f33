#include "findbar.h"

#include "codeeditor.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QToolButton>

namespace nimbus::studio {

FindBar::FindBar(QWidget *parent)
    : QWidget(parent) {
    setAccessibleName(tr("Find and Replace"));
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(4, 2, 4, 2);
    m_find = new QLineEdit(this);
    m_find->setPlaceholderText(tr("Find"));
    m_find->setAccessibleName(tr("Find"));
    m_replace = new QLineEdit(this);
    m_replace->setPlaceholderText(tr("Replace"));
    m_replace->setAccessibleName(tr("Replace"));
    m_case = new QCheckBox(tr("Match Case"), this);
    m_case->setAccessibleName(tr("Match Case"));
    m_word = new QCheckBox(tr("Whole Word"), this);
    m_word->setAccessibleName(tr("Whole Word"));
    auto *next = new QPushButton(tr("Next"), this);
    next->setAccessibleName(tr("Next"));
    auto *previous = new QPushButton(tr("Previous"), this);
    previous->setAccessibleName(tr("Previous"));
    m_replaceOne = new QPushButton(tr("Replace"), this);
    m_replaceOne->setAccessibleName(tr("Replace One"));
    m_replaceAll = new QPushButton(tr("Replace All"), this);
    m_replaceAll->setAccessibleName(tr("Replace All"));
    m_result = new QLabel(this);
    auto *close = new QToolButton(this);
    close->setText(QStringLiteral("✕"));
    close->setAccessibleName(tr("Close Find"));
    close->setAutoRaise(true);
    grid->addWidget(m_find, 0, 0);
    grid->addWidget(previous, 0, 1);
    grid->addWidget(next, 0, 2);
    grid->addWidget(m_case, 0, 3);
    grid->addWidget(m_word, 0, 4);
    grid->addWidget(m_result, 0, 5);
    grid->addWidget(close, 0, 6);
    grid->addWidget(m_replace, 1, 0);
    grid->addWidget(m_replaceOne, 1, 1);
    grid->addWidget(m_replaceAll, 1, 2);
    grid->setColumnStretch(0, 1);
    connect(m_find, &QLineEdit::returnPressed, this, [this] { findNext(true); });
    connect(next, &QPushButton::clicked, this, [this] { findNext(true); });
    connect(previous, &QPushButton::clicked, this, [this] { findNext(false); });
    connect(m_replaceOne, &QPushButton::clicked, this, [this] {
        if (m_editor && m_editor->hasSelectedText())
            m_editor->replace(m_replace->text());
        findNext(true);
    });
    connect(m_replaceAll, &QPushButton::clicked, this, &FindBar::replaceAll);
    connect(close, &QToolButton::clicked, this, [this] {
        hide();
        if (m_editor)
            m_editor->setFocus();
    });
    hide();
}

void FindBar::open(CodeEditor *editor, bool replace) {
    m_editor = editor;
    m_replace->setVisible(replace);
    m_replaceOne->setVisible(replace);
    m_replaceAll->setVisible(replace);
    if (editor && editor->hasSelectedText() && !editor->selectedText().contains('\n'))
        m_find->setText(editor->selectedText());
    m_result->clear();
    show();
    m_find->setFocus();
    m_find->selectAll();
}

bool FindBar::findNext(bool forward) {
    if (!m_editor || m_find->text().isEmpty())
        return false;
    int line = 0, index = 0;
    m_editor->getCursorPosition(&line, &index);
    if (!forward && m_editor->hasSelectedText()) {
        int l1, i1, l2, i2;
        m_editor->getSelection(&l1, &i1, &l2, &i2);
        line = l1;
        index = i1;
    }
    const bool found = m_editor->findFirst(m_find->text(), false, m_case->isChecked(),
                                           m_word->isChecked(), true, forward, line, index);
    m_result->setText(found ? QString() : tr("No matches"));
    return found;
}

int FindBar::replaceAll() {
    if (!m_editor || m_find->text().isEmpty())
        return 0;
    int count = 0;
    m_editor->beginUndoAction();
    if (m_editor->findFirst(m_find->text(), false, m_case->isChecked(), m_word->isChecked(), false,
                            true, 0, 0)) {
        do {
            m_editor->replace(m_replace->text());
            ++count;
        } while (m_editor->findNext());
    }
    m_editor->endUndoAction();
    m_result->setText(tr("%n replaced", nullptr, count));
    return count;
}

void FindBar::keyPressEvent(QKeyEvent *event) {
    if (event->key() == Qt::Key_Escape) {
        hide();
        if (m_editor)
            m_editor->setFocus();
        return;
    }
    QWidget::keyPressEvent(event);
}

} // namespace nimbus::studio
