using System.Globalization;
using Akka.Actor;
using Akka.Event;

namespace AkkaRpc.Backup;

/// <summary>
/// Takes a backup every <see cref="BackupOptions.Interval"/> and keeps the newest <see cref="BackupOptions.Retention"/>.
/// Runs as a cluster singleton, so a cluster takes one backup per interval however many nodes it has; when its node
/// leaves or dies, the singleton starts on another node and the schedule continues from there.
/// </summary>
public sealed class BackupScheduler : ReceiveActor, IWithTimers
{
    /// <summary>The singleton's name.</summary>
    public const string Name = "akkarpc-backup";

    /// <summary>The prefix of every backup folder the scheduler writes.</summary>
    public const string FolderPrefix = "backup-";

    private readonly JournalDatabase _database;
    private readonly BackupOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _running;

    /// <summary>Creates the scheduler (use <see cref="Props"/>).</summary>
    public BackupScheduler(JournalDatabase database, BackupOptions options, TimeProvider time)
    {
        _database = database;
        _options = options;
        _time = time;
        Receive<Tick>(_ => Start());
        Receive<Done>(done =>
        {
            _running = false;
            _log.Info("Scheduled backup {0}: {1} journal rows, {2} bytes", done.Result.Folder,
                done.Result.Manifest.Content.JournalRows, done.Result.Manifest.Data.Bytes);
            ApplyRetention();
        });
        Receive<Status.Failure>(failure =>
        {
            _running = false;
            // A failed backup is logged and retried at the next tick; the singleton must not die with it.
            _log.Error(failure.Cause, "Scheduled backup failed; next attempt in {0}", _options.Interval);
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The scheduler's props.</summary>
    /// <param name="database">The journal to back up.</param>
    /// <param name="options">Interval, retention and folder.</param>
    /// <param name="time">The clock for backup names and manifests.</param>
    public static Props Props(JournalDatabase database, BackupOptions options, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new BackupScheduler(database, options, time));

    /// <inheritdoc />
    protected override void PreStart() => Timers.StartPeriodicTimer("backup", Tick.Instance, _options.Interval);

    private void Start()
    {
        // One at a time: a backup slower than the interval skips ticks rather than piling up.
        if (_running) return;
        _running = true;
        var root = Path.GetFullPath(_options.Folder);
        var folder = Path.Combine(root, FolderPrefix + _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(root);
        Backups.CreateAsync(_database, folder, _options.Format, _time)
            .PipeTo(Self, success: result => new Done(result));
    }

    private void ApplyRetention()
    {
        try
        {
            var root = Path.GetFullPath(_options.Folder);
            // Names sort by time. A folder without a manifest was cut off by a crash: never a good backup.
            var all = Directory.GetDirectories(root, FolderPrefix + "*").OrderByDescending(d => d, StringComparer.Ordinal).ToArray();
            var complete = all.Where(d => File.Exists(Path.Combine(d, BackupManifest.FileName))).ToArray();
            foreach (var old in complete.Skip(_options.Retention).Concat(all.Except(complete)))
                Directory.Delete(old, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("Backup retention could not delete an old backup: {0}", e.Message);
        }
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();

        private Tick() { }
    }

    private sealed record Done(BackupResult Result);
}
