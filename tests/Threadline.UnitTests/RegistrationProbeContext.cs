using Microsoft.EntityFrameworkCore;

namespace Threadline.UnitTests;

/// <summary>A context with no model, registered only to read the options AddThreadlineToDbContext builds for it.</summary>
public sealed class RegistrationProbeContext(DbContextOptions<RegistrationProbeContext> options) : DbContext(options);
