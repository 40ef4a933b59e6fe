using Threadline.Capture;

namespace Threadline.Platform.Posts;

/// <summary>What <see cref="PlatformDatabase.SetUpAsync"/> did.</summary>
/// <param name="Baselined">The tables predated the migrations, and the initial migration was recorded instead of run.</param>
/// <param name="AppliedMigrations">The migrations this run applied, oldest first; empty when the database was current.</param>
/// <param name="Capture">What applying the configured capture changed.</param>
public sealed record PlatformSetUpResult(bool Baselined, IReadOnlyList<string> AppliedMigrations, CaptureApplyResult Capture);
