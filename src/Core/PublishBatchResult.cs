namespace Omnibus;

/// <summary>The outcome of a batch publish: which entries were acknowledged and why the others were not.</summary>
public sealed class PublishBatchResult
{
    private readonly Exception?[] _errors;

    /// <summary>Creates a result with one slot per entry; null means acknowledged.</summary>
    public PublishBatchResult(Exception?[] errors) => _errors = errors;

    /// <summary>How many entries the batch had.</summary>
    public int Count => _errors.Length;

    /// <summary>Whether every entry was acknowledged.</summary>
    public bool AllSucceeded => Array.TrueForAll(_errors, e => e is null);

    /// <summary>The error of entry <paramref name="index"/>, or null when it was acknowledged.</summary>
    public Exception? ErrorOf(int index) => _errors[index];

    /// <summary>The indices and errors of the entries that failed.</summary>
    public IEnumerable<(int Index, Exception Error)> Failures()
    {
        for (var i = 0; i < _errors.Length; i++)
        {
            if (_errors[i] is { } e)
            {
                yield return (i, e);
            }
        }
    }

    /// <summary>Throws a <see cref="PublishException"/> describing the first failure, if any entry failed.</summary>
    public void ThrowIfAnyFailed(string topic, string driver)
    {
        foreach (var (index, error) in Failures())
        {
            throw new PublishException(topic, driver, $"Entry {index} of a batch of {Count} to '{topic}' failed: {error.Message}", error);
        }
    }
}
