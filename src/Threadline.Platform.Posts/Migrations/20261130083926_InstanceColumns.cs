using Microsoft.EntityFrameworkCore.Migrations;

namespace Threadline.Platform.Posts.Migrations;

/// <summary>
/// Which instance handled a message when the services run as several replicas: the posts-api instance that dispatched
/// an outbox row, the job-worker instance that applied it (each its OpenTelemetry service.instance.id).
/// </summary>
public partial class InstanceColumns : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "processed_by", schema: "public", table: "processed_messages", type: "text", nullable: true);
        migrationBuilder.AddColumn<string>(name: "dispatched_by", schema: "public", table: "outbox_messages", type: "text", nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "processed_by", schema: "public", table: "processed_messages");
        migrationBuilder.DropColumn(name: "dispatched_by", schema: "public", table: "outbox_messages");
    }
}
