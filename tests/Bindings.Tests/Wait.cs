namespace Omnibus.Bindings.Tests;

/// <summary>Waits for a condition that nothing signals (e.g. a broker's backlog), polling it until a deadline.</summary>
public static class Wait
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}.");
            }

            await Task.Delay(10);
        }
    }
}
