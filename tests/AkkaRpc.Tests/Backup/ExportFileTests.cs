using System.IO.Compression;
using System.Text;
using AkkaRpc.Backup;
using AkkaRpc.Tests.Infrastructure;

namespace AkkaRpc.Tests.Backup;

/// <summary>
/// The portable export's reader (a streaming decoder over the decompressed bytes) and the content digest (fields
/// hashed in blocks): exports and manifests written before them must read and check exactly as they did.
/// </summary>
public class ExportFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Rows_written_should_read_back_field_for_field_including_nulls_text_escapes_and_payloads_larger_than_the_buffer()
    {
        // A 3 MB payload: a 4 MB line, longer than the reader's first 1 MB buffer.
        var huge = new byte[3_000_000];
        for (var i = 0; i < huge.Length; i++) huge[i] = (byte)(i % 251);
        BackupRecord[] rows = [.. Rows(), new JournalRecord(4, 12, false, "accounts/huge", 1, huge, "m", 1, "w"), .. Rows()];
        var file = _folder.File("rows.ndjson.gz");
        Assert.Equal(rows.Length, await ExportFile.WriteAsync(file, rows.AsAsync()));

        var read = await ReadAllAsync(file);

        Assert.Equal(rows.Length, read.Count);
        foreach (var (expected, actual) in rows.Zip(read)) AssertSameRow(expected, actual);
    }

    [Fact]
    public async Task Columns_in_any_order_unknown_columns_missing_optional_ones_CRLF_and_blank_lines_should_read_as_before()
    {
        // What the tree-based reader accepted (any JSON object per line), written by hand rather than by ExportFile.
        var file = await GzipAsync(
            "{\"format\":\"akkarpc-export\",\"version\":1}\r\n" +
            "{\"message\":\"AQID\",\"sequence_number\":7,\"persistence_id\":\"accounts/\\u00e4\\\"q\\\"\",\"deleted\":true,\"created\":5,\"ordering\":3," +
            "\"future\":{\"nested\":[1,{\"x\":null}]},\"table\":\"journal\"}\r\n" +
            "\n" +
            "{\"table\":\"tags\",\"ordering_id\":3,\"tag\":\"t\",\"sequence_nr\":7,\"persistence_id\":\"p\",\"extra\":[]}\n" +
            "{\"table\":\"snapshot\",\"persistence_id\":\"p\",\"sequence_number\":7,\"created\":9,\"snapshot\":null,\"manifest\":null}");

        var read = await ReadAllAsync(file);

        Assert.Equal(3, read.Count);
        AssertSameRow(new JournalRecord(3, 5, true, "accounts/ä\"q\"", 7, [1, 2, 3], null, null, null), read[0]);
        AssertSameRow(new TagRecord(3, "t", 7, "p"), read[1]);
        AssertSameRow(new SnapshotRecord("p", 7, 9, null, null, null), read[2]);
    }

    [Theory]
    [InlineData("{\"table\":\"journal\",\"ordering\":1,\"created\":1,\"deleted\":false,\"sequence_number\":1,\"message\":\"AA==\"}", "persistence_id is missing")]
    [InlineData("{\"table\":\"journal\",\"ordering\":1,\"created\":1,\"deleted\":false,\"persistence_id\":null,\"sequence_number\":1,\"message\":\"AA==\"}", "persistence_id is null")]
    [InlineData("{\"table\":\"journal\",\"ordering\":\"one\",\"created\":1,\"deleted\":false,\"persistence_id\":\"p\",\"sequence_number\":1,\"message\":\"AA==\"}", "not a valid row")]
    [InlineData("{\"table\":\"journal\",\"ordering\":1,\"created\":1,\"deleted\":false,\"persistence_id\":\"p\",\"sequence_number\":1,\"message\":\"not base64!\"}", "not a valid row")]
    [InlineData("{\"table\":\"snapshot\",\"persistence_id\":\"p\",\"sequence_number\":1,\"created\":1}", "snapshot is missing")]
    [InlineData("{\"table\":\"events\",\"ordering\":1}", "unknown table 'events'")]
    [InlineData("{\"ordering\":1}", "no table column")]
    [InlineData("{\"table\":\"tags\",\"ordering_id\":1,\"tag\":\"t\",\"sequence_nr\":1,\"persistence_id\":\"p\"} {}", "not a valid row")]
    [InlineData("{\"table\":\"tags\",\"ordering_id\":1,\"tag\":\"t\"", "not a valid row")]
    [InlineData("[1,2]", "not a JSON object")]
    public async Task A_bad_row_should_be_refused_naming_its_line(string row, string expected)
    {
        var file = await GzipAsync("{\"format\":\"akkarpc-export\",\"version\":1}\n" + await LineAsync(Rows()[0]) + "\n" + row + "\n");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(file));

        Assert.Contains("line 3", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task A_file_that_is_not_an_export_should_be_refused()
    {
        var header = await Assert.ThrowsAsync<InvalidDataException>(async () => await ReadAllAsync(await GzipAsync("{\"format\":\"other\",\"version\":1}\n")));
        Assert.Contains("not an AkkaRpc export", header.Message);
        var empty = await Assert.ThrowsAsync<InvalidDataException>(async () => await ReadAllAsync(await GzipAsync("")));
        Assert.Contains("is empty", empty.Message);
        var plain = _folder.File("plain.ndjson.gz");
        await File.WriteAllTextAsync(plain, "{\"format\":\"akkarpc-export\",\"version\":1}\n");
        var notGzip = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(plain));
        Assert.Contains("not a gzip file", notGzip.Message);
    }

    [Theory]
    [InlineData(Backend.Sqlite)]
    [InlineData(Backend.PostgreSql)]
    public async Task Large_payloads_nulls_and_non_ASCII_text_should_restore_exactly(Backend backend)
    {
        // Rows larger than the COPY writer's buffer (a 3 MB payload, a 300 KB text) go past it to the server.
        var huge = new byte[3_000_000];
        Random.Shared.NextBytes(huge);
        var rows = Rows().Select(row => row switch
        {
            JournalRecord { Ordering: 2 } r => r with { Message = huge },
            TagRecord { OrderingId: 3 } r => r with { Tag = "tag-ä€😀" }, // indexed: PostgreSQL caps index entries at ~2.7 KB
            _ => row,
        }).ToArray();
        var folder = _folder.File("export");
        await Backups.ExportAsync(rows.AsAsync(), folder, "test rows", TimeProvider.System);
        await using var target = await TestDatabase.CreateAsync(backend, _folder.Path, "target");
        var database = JournalDatabase.For(target.Options);

        // The restore itself refuses rows that do not read back as the manifest lists them; read them once more here.
        var manifest = await Backups.RestoreAsync(folder, database, replaceExisting: false);
        var restored = await Backups.SummarizeAsync(database);
        Assert.True(Backups.SameContent(manifest.Content, restored), Backups.Difference(restored, manifest.Content));
        await using var snapshot = await database.OpenSnapshotAsync();
        var back = new List<BackupRecord>();
        await foreach (var row in snapshot.ReadAsync()) back.Add(row);
        Assert.Equal(rows.Length, back.Count);
        foreach (var (expected, actual) in rows.Zip(back)) AssertSameRow(expected, actual);
    }

    [Fact]
    public void The_content_digest_should_be_the_one_earlier_versions_wrote_into_manifests()
    {
        // Computed by the digest that hashed field by field (before block hashing), for these exact rows: a manifest
        // written by it must still match what a restore computes now.
        using var once = new ContentDigest();
        foreach (var row in Rows()) once.Add(row);
        Assert.Equal("f5de074894baf41b744a3c2aaa77dc021840d6ac7c85cbd7d4dbac1c659b7c05", once.Summary().ContentSha256);

        using var many = new ContentDigest();
        for (var i = 0; i < 3000; i++)
            foreach (var row in Rows()) many.Add(row);
        Assert.Equal("d45067aa95f469840574de2530068662b0419d31fafa50f4bbb1878b80daabf6", many.Summary().ContentSha256);
        Assert.Equal(3000 * Rows().Length, many.Rows);
    }

    // Nulls, non-ASCII text, characters JSON escapes, extreme numbers, and payloads and texts larger than both the
    // digest's block and the reader's first buffer.
    private static BackupRecord[] Rows()
    {
        var big = new byte[200_000];
        for (var i = 0; i < big.Length; i++) big[i] = (byte)(i * 31 + 7);
        var longText = string.Concat(Enumerable.Repeat("é€😀a", 30_000));
        return
        [
            new JournalRecord(1, 10, false, "accounts/a", 1, [1, 2, 3], "rpc.applied", 7301, "w"),
            new JournalRecord(2, 11, true, "accounts/ä€", 2, [], null, null, null),
            new JournalRecord(3, long.MaxValue, false, "accounts/b", long.MinValue, big, longText, -5, "\"quoted\\\n"),
            new TagRecord(2, "t", 2, "accounts/a"),
            new TagRecord(3, longText, 3, "accounts/b"),
            new SnapshotRecord("accounts/a", 2, 13, [9, 9], "rpc.state", 7301),
            new SnapshotRecord("accounts/c", 100, 14, null, null, null),
            new SnapshotRecord("accounts/d", 1, 15, big, longText, int.MaxValue),
        ];
    }

    private static void AssertSameRow(BackupRecord expected, BackupRecord actual)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        switch (expected, actual)
        {
            case (JournalRecord e, JournalRecord a):
                Assert.Equal(e with { Message = [] }, a with { Message = [] });
                Assert.Equal(e.Message, a.Message);
                break;
            case (SnapshotRecord e, SnapshotRecord a):
                Assert.Equal(e with { Snapshot = null }, a with { Snapshot = null });
                Assert.Equal(e.Snapshot, a.Snapshot);
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    private static async Task<List<BackupRecord>> ReadAllAsync(string file)
    {
        var rows = new List<BackupRecord>();
        await foreach (var row in ExportFile.ReadAsync(file)) rows.Add(row);
        return rows;
    }

    // One row as ExportFile writes it (its own writer, so the line is exactly what an export holds).
    private async Task<string> LineAsync(BackupRecord row)
    {
        var file = _folder.File($"line-{Guid.NewGuid():N}.ndjson.gz");
        await ExportFile.WriteAsync(file, new[] { row }.AsAsync());
        await using var gzip = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        await reader.ReadLineAsync();
        return (await reader.ReadLineAsync())!;
    }

    private async Task<string> GzipAsync(string text)
    {
        var file = _folder.File($"hand-{Guid.NewGuid():N}.ndjson.gz");
        await using (var gzip = new GZipStream(File.Create(file), CompressionLevel.Fastest))
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(text));
        return file;
    }

    public void Dispose() => _folder.Dispose();
}
