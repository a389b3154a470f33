#pragma once

#include "clients/connectionprofiles.h"
#include "clients/deployedfunctions.h"
#include "clients/signedrequest.h"
#include "deployeddialogs.h"

#include <QDateTime>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QWidget>
#include <atomic>
#include <functional>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QPushButton;
class QToolButton;
class QTreeView;

namespace nimbus::studio {

class DeployedFilterModel;
class LogModel;
class RemoteWorker;

// The Deployed Functions panel: the functions on an endpoint (the project's simulator, or a
// saved connection) as a tree, and the actions that change them — deploy, publish a
// version, aliases with a traffic split, reserved concurrency, invoke, tail logs, delete —
// each confirmed when it changes something, with the endpoint's own message on failure.
// Every call runs on a worker thread; the panel refreshes after each action and when the
// window comes back into focus.
class DeployedPanel : public QWidget {
    Q_OBJECT
public:
    struct Context {
        QString projectDir;
        std::function<ControlPlaneEndpoint()> simulator; // the project's simulator now
        std::function<QString()> event;                  // the Invoke panel's event
    };
    DeployedPanel(Context context, LogModel *log, QWidget *parent = nullptr);
    ~DeployedPanel() override;

    // Lists the endpoint's functions again (and the details of those open in the tree).
    void refresh();
    void loadMore();
    // Functions per page of the list (50 unless set).
    void setPageSize(int size) { m_pageSize = size; }
    void selectConnection(int index);
    ConnectionProfile connection() const;
    void addConnection(const ConnectionProfile &profile);

    // Actions. `function` is a deployed name; dialogs ask for the rest.
    void deploy(const QString &manifestFunction = {});
    void publishVersion(const QString &function);
    void editAlias(const QString &function, const QString &alias = {});
    void setReservedConcurrency(const QString &function);
    void removeReservedConcurrency(const QString &function);
    void invoke(const QString &function, const QString &qualifier);
    void tailLogs(const QString &function);
    void stopTailing();
    void deleteFunction(const QString &function);
    void deleteVersion(const QString &function, const QString &version);
    void deleteAlias(const QString &function, const QString &alias);
    void cancel();

    // The selected node's function and qualifier (empty when none).
    QModelIndex selectedIndex() const;
    QString selectedFunction() const;
    QString selectedQualifier() const;
    bool selectFunction(const QString &function);

    DeployedModel *model() const { return m_model; }
    QTreeView *tree() const { return m_tree; }
    QLineEdit *filterEdit() const { return m_filter; }
    QComboBox *connectionCombo() const { return m_connection; }
    QLabel *statusLabel() const { return m_status; }
    QProgressBar *progressBar() const { return m_progress; }
    QPushButton *cancelButton() const { return m_cancel; }
    QString lastError() const { return m_lastError; }
    QString tailedFunction() const { return m_tailFunction; }
    bool busy() const;

signals:
    // Show where a version came from (the Git panel selects the commit).
    void showCommit(const QString &commit);
    // Bring the Output panel forward (a tail started, an invocation answered).
    void outputWanted();
    // An action finished: what it was and whether the endpoint accepted it.
    void actionFinished(const QString &action, bool ok);
    void refreshed();

protected:
    bool event(QEvent *event) override;

private:
    std::optional<lambdaclient::Endpoint> endpoint();
    // refresh(), keeping the status line when it tells an action's outcome.
    void reload(bool keepStatus);
    void loadDetails(const QString &function, std::function<void()> then = {});
    void showMenu(const QPoint &pos);
    void fillMenu(QMenu &menu, const QModelIndex &index);
    void setStatus(const QString &text, bool error);
    void startProgress(const QString &text, int maximum);
    void endProgress();
    void finishAction(const QString &action, const QString &success, const lambda::ApiError *error);
    bool confirm(const QString &title, const QString &text, const QString &yes);
    void runAction(const QString &action, const QString &success,
                   std::function<lambda::ApiError(lambdaclient::LambdaClient &)> call);
    void shiftTraffic(const QString &function, const AliasDialog::Choice &choice, int fromPercent);
    void pollTail();
    void restoreExpansion();

    Context m_context;
    LogModel *m_log;
    DeployedModel *m_model;
    DeployedFilterModel *m_proxy;
    QComboBox *m_connection;
    QLineEdit *m_filter;
    QTreeView *m_tree;
    QLabel *m_status;
    QProgressBar *m_progress;
    QPushButton *m_cancel;
    QList<QPushButton *> m_selectionButtons;
    RemoteWorker *m_worker;
    QList<ConnectionProfile> m_profiles;
    int m_generation = 0; // bumps when the connection changes: older answers are dropped
    std::string m_nextMarker;
    int m_pageSize = 50;
    std::shared_ptr<const manifest::Manifest> m_manifest; // at the default stage, as last read
    QSet<QString> m_expanded;
    std::optional<std::pair<QString, QString>> m_reselect; // function, qualifier
    QString m_lastError;
    QDateTime m_lastRefresh;
    std::shared_ptr<std::atomic<bool>> m_cancelled;
    QTimer m_shiftTimer;
    std::function<void()> m_nextShift;
    QTimer m_tailTimer;
    QString m_tailFunction;
    qint64 m_tailSince = 0;
    QSet<QString> m_tailSeen;
    bool m_tailBusy = false;
};

} // namespace nimbus::studio
