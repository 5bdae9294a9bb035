using System.IO.Pipelines;

namespace Passage.Store.Server;

/// <summary>One end of a connection as a reader and a writer.</summary>
internal sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe
{
    /// <summary>Two connected ends: what one writes, the other reads.</summary>
    public static (IDuplexPipe Server, IDuplexPipe Client) CreatePair(int bufferBytes)
    {
        // Both schedulers on the thread pool: no side ever runs the other's continuation on its own stack.
        var options = new PipeOptions(
            readerScheduler: PipeScheduler.ThreadPool,
            writerScheduler: PipeScheduler.ThreadPool,
            pauseWriterThreshold: bufferBytes,
            resumeWriterThreshold: bufferBytes / 2,
            useSynchronizationContext: false);
        var toServer = new Pipe(options);
        var toClient = new Pipe(options);
        return (new DuplexPipe(toServer.Reader, toClient.Writer), new DuplexPipe(toClient.Reader, toServer.Writer));
    }
}
