#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QVariant>

namespace nimbus::studio {

// A source breakpoint as the user set it, and what the adapter made of it.
struct Breakpoint {
    QString file;
    int line = 0; // zero-based, as the editor counts
    bool enabled = true;
    QString condition;
    QString hitCondition;
    QString logMessage; // a logpoint when set
    // From the adapter: bound (verified), and the line it was moved to.
    bool verified = false;
    int boundLine = -1;
    QString message;
};

// The project's breakpoints (kept with the project's settings) and the exception filters;
// the gutter, the Breakpoints panel and the debug session all read and change this one list.
class BreakpointsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { LocationColumn, DetailColumn, ColumnCount };
    enum Role { FileRole = Qt::UserRole + 1, LineRole };

    explicit BreakpointsModel(QObject *parent = nullptr);

    // Adds a breakpoint at the line, or removes the one there.
    void toggle(const QString &file, int line);
    void set(const Breakpoint &breakpoint); // adds or replaces the one at its line
    void remove(const QString &file, int line);
    void removeAll();
    void setEnabled(int row, bool enabled);
    void setAllEnabled(bool enabled);
    const Breakpoint *at(const QString &file, int line) const;
    QList<Breakpoint> inFile(const QString &file) const;
    QStringList files() const;
    const QList<Breakpoint> &all() const { return m_breakpoints; }

    // What the adapter said of a file's breakpoints (setBreakpoints' answer, in the order
    // they were sent: the enabled ones of the file).
    void setVerification(const QString &file, const QJsonArray &answers);
    void clearVerification();

    bool breakOnRaised() const { return m_raised; }
    bool breakOnUncaught() const { return m_uncaught; }
    void setExceptionFilters(bool raised, bool uncaught);
    QStringList exceptionFilters() const;

    QVariant save() const;
    void restore(const QVariant &saved);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

signals:
    // The breakpoints of a file changed (the gutter redraws, a session re-sends them).
    void fileChanged(const QString &file);
    void exceptionFiltersChanged();
    // Only what the adapter said of a file's breakpoints changed (the gutter redraws; the
    // session has nothing to send).
    void verificationChanged(const QString &file);

private:
    int indexOf(const QString &file, int line) const;

    QList<Breakpoint> m_breakpoints;
    bool m_raised = false;
    bool m_uncaught = true;
};

} // namespace nimbus::studio
